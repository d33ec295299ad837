import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { chooseManager, parsePackageManagerField, parseYarnRc, yarnLockKind } from './package-manager.js';

const files = (...names: string[]) => new Set(['package.json', ...names]);

describe('parsePackageManagerField', () => {
  it('reads corepack\'s name@version with an optional hash', () => {
    expect(parsePackageManagerField('pnpm@9.12.0')).toEqual({ name: 'pnpm', version: '9.12.0', hash: null, raw: 'pnpm@9.12.0' });
    expect(parsePackageManagerField('yarn@4.5.0+sha512.ABCdef01')).toEqual({
      name: 'yarn', version: '4.5.0', hash: { algorithm: 'sha512', digest: 'abcdef01' }, raw: 'yarn@4.5.0+sha512.ABCdef01',
    });
    expect(parsePackageManagerField('npm@10.9.0-pre.1')?.version).toBe('10.9.0-pre.1');
    expect(parsePackageManagerField(undefined)).toBeNull();
  });

  it('refuses ranges, tags, other managers and non-strings with a clear message', () => {
    for (const bad of ['pnpm@^9', 'yarn@latest', 'yarn', 'pnpm@9.12', 42]) {
      expect(() => parsePackageManagerField(bad)).toThrow(BuildError);
      expect(() => parsePackageManagerField(bad)).toThrow(/^Invalid "packageManager" in package\.json/);
    }
    try {
      parsePackageManagerField('bun@1.1.0');
    } catch (err) {
      expect((err as BuildError).outputTail).toEqual(['Slipway installs with npm, yarn or pnpm, not bun.']);
    }
  });
});

describe('chooseManager', () => {
  it('follows the lockfile when packageManager is not set', () => {
    expect(chooseManager({ packageManager: undefined, engines: {}, rootFiles: files('yarn.lock') })).toMatchObject({ name: 'yarn', lockfile: 'yarn.lock', range: null });
    expect(chooseManager({ packageManager: undefined, engines: { pnpm: '9.x' }, rootFiles: files('pnpm-lock.yaml') })).toMatchObject({ name: 'pnpm', lockfile: 'pnpm-lock.yaml', range: '9.x' });
    expect(chooseManager({ packageManager: undefined, engines: {}, rootFiles: files('package-lock.json') })).toMatchObject({ name: 'npm', lockfile: 'package-lock.json' });
    expect(chooseManager({ packageManager: undefined, engines: {}, rootFiles: files() })).toMatchObject({ name: 'npm', lockfile: null, explanation: 'No lockfile: installing with npm' });
  });

  it('lets packageManager win over other lockfiles, with a warning for each ignored one', () => {
    const choice = chooseManager({ packageManager: 'pnpm@9.12.0', engines: { yarn: '1.x' }, rootFiles: files('pnpm-lock.yaml', 'yarn.lock') });
    expect(choice).toMatchObject({ name: 'pnpm', lockfile: 'pnpm-lock.yaml', range: null, explanation: '"packageManager" in package.json: pnpm@9.12.0' });
    expect(choice.warnings).toEqual(['yarn.lock found, but "packageManager" is pnpm@9.12.0: Slipway installs with pnpm and ignores yarn.lock.']);
    expect(chooseManager({ packageManager: 'yarn@4.5.0', engines: {}, rootFiles: files() }).warnings).toEqual([
      'No lockfile for yarn: commit the one it writes for reproducible builds.',
    ]);
  });

  it('refuses lockfiles of two managers without packageManager', () => {
    const attempt = () => chooseManager({ packageManager: undefined, engines: {}, rootFiles: files('package-lock.json', 'pnpm-lock.yaml') });
    expect(attempt).toThrow('Multiple lockfiles found: package-lock.json, pnpm-lock.yaml.');
    try {
      attempt();
    } catch (err) {
      expect((err as BuildError).outputTail.join(' ')).toContain('set "packageManager" in package.json');
    }
    // npm's two lockfiles are one manager: npm-shrinkwrap.json wins, as npm itself does
    expect(chooseManager({ packageManager: undefined, engines: {}, rootFiles: files('package-lock.json', 'npm-shrinkwrap.json') }).lockfile).toBe('npm-shrinkwrap.json');
  });
});

describe('.yarnrc.yml and yarn.lock', () => {
  it('reads yarnPath, nodeLinker and plugins', () => {
    const rc = parseYarnRc([
      '# comment',
      'nodeLinker: "node-modules"',
      "yarnPath: .yarn/releases/yarn-3.6.4.cjs",
      'plugins:',
      '  - path: .yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs',
      '    spec: "@yarnpkg/plugin-workspace-tools"',
      'enableTelemetry: false',
    ].join('\n'));
    expect(rc.nodeLinker).toBe('node-modules');
    expect(rc.yarnPath).toBe('.yarn/releases/yarn-3.6.4.cjs');
    expect(rc.plugins).toEqual(['.yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs', '@yarnpkg/plugin-workspace-tools']);
    expect(parseYarnRc('')).toEqual({ plugins: [] });
  });

  it('tells a Berry lockfile (__metadata) from a Yarn 1 one', () => {
    expect(yarnLockKind('# yarn lockfile v1\n\nms@^2:\n  version "2.1.3"\n')).toBe('classic');
    expect(yarnLockKind('__metadata:\n  version: 8\n')).toBe('berry');
  });
});
