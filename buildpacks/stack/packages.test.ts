// Debian package sets over the real stack: installed with apt in the engine, committed, the run
// layer exported; the build image has them, the layer holds their files and nothing of apt's.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import Docker from 'dockerode';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import type { BuilderConfig } from '../config.js';
import { removeTestContainers, runInImage, testBuilderConfig } from '../testing/build-fixtures.js';
import { ensureStack, type Stack } from './ensure.js';
import { ensureStackPackages, installArgv, parseInstalledVersions, stackPackagesImages, stackPackagesKey } from './packages.js';

describe('stack packages, pure parts', () => {
  const set = { name: 'jq', run: ['jq'], build: ['file'] };

  it('keys a set by the stack and the packages, in any order', () => {
    expect(stackPackagesKey({ id: 'abc' }, set)).toBe(stackPackagesKey({ id: 'abc' }, { name: 'jq', run: ['jq'], build: ['file'] }));
    expect(stackPackagesKey({ id: 'abc' }, { ...set, run: ['jq', 'less'] })).toBe(stackPackagesKey({ id: 'abc' }, { ...set, run: ['less', 'jq'] }));
    expect(stackPackagesKey({ id: 'abd' }, set)).not.toBe(stackPackagesKey({ id: 'abc' }, set));
    expect(stackPackagesKey({ id: 'abc' }, { ...set, build: [] })).not.toBe(stackPackagesKey({ id: 'abc' }, set));
    expect(stackPackagesImages(set, 'k1')).toEqual({ run: 'slipway/stack-packages-run:jq-k1', build: 'slipway/stack-packages-build:jq-k1' });
  });

  it('passes packages as arguments to a fixed script, never inside it', () => {
    const argv = installArgv(['jq', '$(reboot)']);
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv[2]).not.toContain('reboot');
    expect(argv.slice(3)).toEqual(['install', 'jq', '$(reboot)']);
  });

  it('reads the versions printed after the marker only', () => {
    const output = ['Setting up jq 1.6-2.1 (noise)', 'x y', '--- installed versions', 'jq 1.6-2.1', 'file 1:5.44-3', ''];
    expect(parseInstalledVersions(output)).toEqual({ jq: '1.6-2.1', file: '1:5.44-3' });
    expect(parseInstalledVersions(['no marker'])).toEqual({});
  });
});

describe('stack packages on the real stack', () => {
  const docker = new Docker();
  let registry: RunningService;
  let config: BuilderConfig;
  let stack: Stack;
  // a set no language uses, so this test installs it for real the first time on a machine
  const set = { name: 'test-jq', run: ['jq'], build: ['file'] };

  beforeAll(async () => {
    registry = await startTestRegistry();
    config = testBuilderConfig(registry.url);
    stack = await ensureStack(docker, config, (line) => console.log(line));
  });

  afterAll(async () => {
    await removeTestContainers(docker);
    await registry?.stop();
  });

  it('installs the set once: a build image that has both, a run layer with the run packages only', async () => {
    const lines: string[] = [];
    const first = await ensureStackPackages(docker, config, stack, set, (line) => void lines.push(line));
    expect(first.versions.jq).toMatch(/^\d/);

    const inBuild = await runInImage(docker, first.buildImage, ['sh', '-c', 'jq --version && file --version && id -u']);
    expect(inBuild.exitCode).toBe(0);
    expect(inBuild.output).toMatch(/jq-1/);
    expect(inBuild.output).toMatch(/file-5/);
    expect(inBuild.output.trim().split('\n').at(-1)).toBe('1000');

    const names: string[] = [];
    const unpack = extract();
    unpack.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.resume();
      stream.on('end', next);
    });
    await new Promise<void>((resolve, reject) => {
      createReadStream(first.layer.path).pipe(createGunzip()).pipe(unpack).on('finish', resolve).on('error', reject);
    });
    expect(names).toContain('usr/bin/jq');
    expect(names).not.toContain('usr/bin/file');
    // apt's package lists (files named <mirror>_<suite>_...) are not shipped
    expect(names.filter((name) => name.startsWith('var/lib/apt/lists/') && name.includes('_'))).toEqual([]);
    expect(names.some((name) => name.startsWith('bin/') || name.startsWith('usr/lib/apt/'))).toBe(false);

    const again: string[] = [];
    const second = await ensureStackPackages(docker, config, stack, set, (line) => void again.push(line));
    expect(second.layer.digest).toBe(first.layer.digest);
    expect(second.versions).toEqual(first.versions);
    expect(again.join('\n')).not.toMatch(/Installing/);
  });
});
