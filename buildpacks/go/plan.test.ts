import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { parseGoMod } from './gomod.js';
import { goBuildEnvironment, goProcessTypes, goRuntimeEnvironment, planGoBuild } from './plan.js';

const goMod = (text: string) => parseGoMod(`module example.com/goweb\ngo 1.24\n${text}`);

describe('planGoBuild', () => {
  it('downloads modules, then installs every main package into /app/bin, trimmed and stripped', () => {
    const plan = planGoBuild({ goMod: goMod(''), vendored: false });
    expect(plan.download).toEqual(['go', 'mod', 'download']);
    expect(plan.install).toEqual(['go', 'install', '-mod=readonly', '-trimpath', '-ldflags=-s -w', './...']);
    expect(plan.defaultBinary).toBe('goweb');
  });

  it('builds from vendor/ without downloading when vendor/modules.txt is there', () => {
    const plan = planGoBuild({ goMod: goMod(''), vendored: true });
    expect(plan.download).toBeNull();
    expect(plan.install).toEqual(['go', 'install', '-mod=vendor', '-trimpath', '-ldflags=-s -w', './...']);
  });

  it('installs the packages a `// +heroku install` comment names', () => {
    const plan = planGoBuild({ goMod: goMod('// +heroku install ./cmd/web ./cmd/worker\n'), vendored: false });
    expect(plan.install.slice(-2)).toEqual(['./cmd/web', './cmd/worker']);
  });

  it('refuses flags and odd words in the comment, and a go.mod without a module line', () => {
    expect(() => planGoBuild({ goMod: goMod('// +heroku install -toolexec=/bin/sh .\n'), vendored: false })).toThrow(BuildError);
    expect(() => planGoBuild({ goMod: goMod('// +heroku install ./a;rm\n'), vendored: false })).toThrow(/package patterns/);
    expect(() => planGoBuild({ goMod: parseGoMod('go 1.22\n'), vendored: false })).toThrow(/no module line/);
  });
});

describe('environments', () => {
  it('gives builds the toolchain, the caches, the proxy, the CA and static binaries', () => {
    expect(goBuildEnvironment({ proxy: 'https://proxy.golang.org', vendored: false })).toEqual([
      'PATH=/layers/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/tmp',
      'GOTOOLCHAIN=local',
      'GOBIN=/app/bin',
      'GOMODCACHE=/cache/go-mod',
      'GOCACHE=/cache/go-build',
      'GOPROXY=https://proxy.golang.org',
      'GOFLAGS=-buildvcs=false',
      'CGO_ENABLED=0',
      'SSL_CERT_FILE=/etc/slipway/ca-certificates.crt',
    ]);
    expect(goBuildEnvironment({ proxy: 'https://proxy.golang.org', vendored: true })).toContain('GOPROXY=off');
  });

  it('puts the binaries on the image\'s PATH', () => {
    expect(goRuntimeEnvironment()[0]).toBe('PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
});

describe('goProcessTypes', () => {
  it('takes the Procfile, else the binary named after the module', () => {
    expect(goProcessTypes({ web: 'server -port $PORT' }, new Set(['goweb']), 'goweb')).toEqual({ web: 'server -port $PORT' });
    expect(goProcessTypes(null, new Set(['goweb', 'migrate']), 'goweb')).toEqual({ web: 'bin/goweb' });
    expect(goProcessTypes(null, new Set(['server']), 'goweb')).toEqual({});
  });
});
