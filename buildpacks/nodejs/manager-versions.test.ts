import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { checkYarnLockMatches, managerDistribution, pinnedHashMatches, resolveManagerVersion } from './manager-versions.js';
import type { PackageMetadata } from './metadata-types.js';

const pkg = (name: string, versions: Record<string, { node?: string; bin?: Record<string, string>; deprecated?: string }>): PackageMetadata => ({
  name,
  versions: Object.fromEntries(Object.entries(versions).map(([version, v]) => [version, {
    version,
    ...(v.node ? { engines: { node: v.node } } : {}),
    ...(v.bin ? { bin: v.bin } : {}),
    ...(v.deprecated ? { deprecated: v.deprecated } : {}),
    dist: { tarball: `https://registry.example/${name}/-/${version}.tgz`, integrity: 'sha512-AAAA', shasum: 'ABCDEF' },
  }])),
});

const yarnClassic = pkg('yarn', { '1.22.19': {}, '1.22.22': {}, '2.0.0-rc.1': {} });
const yarnBerry = pkg('@yarnpkg/cli-dist', { '3.6.4': { node: '>=18' }, '4.5.0': { node: '>=18.12.0' }, '4.18.1': { node: '>=30' } });
const pnpm = pkg('pnpm', { '9.12.0': { node: '>=18' }, '10.34.9': { node: '>=18' }, '12.24.0': { node: '>=18' }, '13.0.0-beta.1': {} });

describe('resolveManagerVersion', () => {
  it('takes the pinned version from the package that carries it', () => {
    const pinned = (version: string) => ({ name: 'yarn' as const, version, hash: null, raw: `yarn@${version}` });
    expect(resolveManagerVersion({ name: 'yarn', pinned: pinned('1.22.19'), range: null }, { yarnClassic, yarnBerry }, null, '24.1.0'))
      .toMatchObject({ version: '1.22.19', packageName: 'yarn', explanation: 'Yarn 1.22.19 (from "packageManager")' });
    expect(resolveManagerVersion({ name: 'yarn', pinned: pinned('4.5.0'), range: null }, { yarnClassic, yarnBerry }, 'berry', '24.1.0'))
      .toMatchObject({ version: '4.5.0', packageName: '@yarnpkg/cli-dist' });
  });

  it('refuses a pinned version the registry does not have, naming the newest', () => {
    const attempt = () => resolveManagerVersion({ name: 'pnpm', pinned: { name: 'pnpm', version: '99.1.0', hash: null, raw: 'pnpm@99.1.0' }, range: null }, { pnpm }, null, '24.1.0');
    expect(attempt).toThrow('"packageManager" in package.json asks for pnpm 99.1.0, which the npm registry does not have.');
    try { attempt(); } catch (err) { expect((err as BuildError).outputTail).toEqual(['Use a released version (the newest is 12.24.0): e.g. "pnpm@12.24.0".']); }
  });

  it('resolves engines ranges across Yarn 1 and Berry', () => {
    expect(resolveManagerVersion({ name: 'yarn', pinned: null, range: '1.x' }, { yarnClassic, yarnBerry }, 'classic', '24.1.0').version).toBe('1.22.22');
    expect(resolveManagerVersion({ name: 'yarn', pinned: null, range: '>=3 <4' }, { yarnClassic, yarnBerry }, 'berry', '24.1.0').version).toBe('3.6.4');
    expect(() => resolveManagerVersion({ name: 'pnpm', pinned: null, range: '8.x' }, { pnpm }, null, '24.1.0')).toThrow('No pnpm version satisfies engines.pnpm "8.x" in package.json.');
    expect(() => resolveManagerVersion({ name: 'pnpm', pinned: null, range: 'nope' }, { pnpm }, null, '24.1.0')).toThrow('Invalid engines.pnpm in package.json: "nope" is not a semver range.');
  });

  it('defaults to Yarn 1 for a Yarn 1 lockfile, the newest Berry for Node for a Berry one, the newest pnpm release', () => {
    expect(resolveManagerVersion({ name: 'yarn', pinned: null, range: null }, { yarnClassic, yarnBerry }, 'classic', '24.1.0').version).toBe('1.22.22');
    expect(resolveManagerVersion({ name: 'yarn', pinned: null, range: null }, { yarnClassic, yarnBerry }, null, '24.1.0').version).toBe('1.22.22');
    // 4.18.1 wants Node >=30: the newest Berry for Node 24 is 4.5.0
    expect(resolveManagerVersion({ name: 'yarn', pinned: null, range: null }, { yarnClassic, yarnBerry }, 'berry', '24.1.0').version).toBe('4.5.0');
    expect(resolveManagerVersion({ name: 'pnpm', pinned: null, range: null }, { pnpm }, null, '24.1.0').version).toBe('12.24.0');
  });
});

describe('checkYarnLockMatches', () => {
  it('refuses a lockfile of the other Yarn family with what to do', () => {
    expect(() => checkYarnLockMatches('berry', '1.22.22')).toThrow('yarn.lock was written by Yarn 2 or later, but the build uses Yarn 1.22.22.');
    expect(() => checkYarnLockMatches('classic', '4.5.0')).toThrow('yarn.lock was written by Yarn 1, but the build uses Yarn 4.5.0.');
    expect(() => checkYarnLockMatches('berry', '4.5.0')).not.toThrow();
    expect(() => checkYarnLockMatches(null, '4.5.0')).not.toThrow();
  });
});

describe('managerDistribution', () => {
  it('runs Yarn\'s bin/yarn.js, pnpm\'s script when it is one, and pnpm\'s Linux executable package otherwise', () => {
    const info = (bin: Record<string, string>) => ({ version: 'x', bin, dist: { tarball: 't' } });
    expect(managerDistribution({ name: 'yarn', version: '4.5.0', packageName: '@yarnpkg/cli-dist', explanation: '' }, info({ yarn: 'bin/yarn.js' })))
      .toEqual({ packageName: '@yarnpkg/cli-dist', version: '4.5.0', entry: 'bin/yarn.js', native: false });
    expect(managerDistribution({ name: 'pnpm', version: '10.34.9', packageName: 'pnpm', explanation: '' }, info({ pnpm: 'bin/pnpm.cjs' })))
      .toEqual({ packageName: 'pnpm', version: '10.34.9', entry: 'bin/pnpm.cjs', native: false });
    expect(managerDistribution({ name: 'pnpm', version: '12.24.0', packageName: 'pnpm', explanation: '' }, info({ pnpm: 'pnpm' })))
      .toEqual({ packageName: '@pnpm/exe.linux-x64', version: '12.24.0', entry: 'pnpm', native: true });
  });
});

describe('pinnedHashMatches', () => {
  const tarball = Buffer.from('tarball bytes');
  const sha512 = createHash('sha512').update(tarball).digest();
  const info = { version: '1', dist: { tarball: 't', integrity: `sha512-${sha512.toString('base64')}`, shasum: 'ABCDEF' } };

  it('accepts the registry\'s sha512 integrity and sha1 shasum, or a hash of what was downloaded', () => {
    expect(pinnedHashMatches({ algorithm: 'sha512', digest: sha512.toString('hex') }, info, [])).toBe(true);
    expect(pinnedHashMatches({ algorithm: 'sha1', digest: 'abcdef' }, info, [])).toBe(true);
    expect(pinnedHashMatches({ algorithm: 'sha224', digest: 'c0ffee' }, info, [{ algorithm: 'sha224', digest: 'c0ffee' }])).toBe(true);
  });

  it('refuses anything else', () => {
    expect(pinnedHashMatches({ algorithm: 'sha512', digest: 'ab'.repeat(64) }, info, [])).toBe(false);
    expect(pinnedHashMatches({ algorithm: 'sha256', digest: 'c0ffee' }, info, [{ algorithm: 'sha224', digest: 'c0ffee' }])).toBe(false);
  });
});
