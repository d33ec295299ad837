import { describe, expect, it } from 'vitest';
import { aptInstallCommands, installHint, missingPackages, PLATFORM_PACKAGES } from './packages.js';

describe('Debian package plan', () => {
  it('lists only the packages whose binary is absent', () => {
    const present = new Set(['dockerd', 'git', 'curl', 'haproxy', 'debootstrap', 'update-ca-certificates', 'openssl', 'pigz', 'libdeflate-gzip']);
    expect(missingPackages(PLATFORM_PACKAGES, (b) => present.has(b))).toEqual([
      'redis-server',
      'nats-server',
      'docker-registry',
    ]);
  });

  it('installs nothing when nothing is missing', () => {
    expect(aptInstallCommands([])).toEqual([]);
  });

  it('builds apt-get argv, never a shell string', () => {
    expect(aptInstallCommands(['redis-server', 'git'])).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-server', 'git'],
    ]);
    expect(installHint(['git'])).toBe('sudo apt-get update && sudo apt-get install -y git');
  });
});

describe('ensurePackages without root', () => {
  it('says exactly what to install instead of trying', async () => {
    const { ensurePackages, HostSetupError } = await import('./host-setup.js');
    const notRoot = { isRoot: () => false, isPresent: (binary: string) => binary !== 'redis-server' && binary !== 'nats-server' };
    expect(() => ensurePackages(PLATFORM_PACKAGES, () => {}, notRoot)).toThrow(HostSetupError);
    expect(() => ensurePackages(PLATFORM_PACKAGES, () => {}, notRoot)).toThrow(
      'missing Debian packages: redis-server, nats-server. Install them with:\n  sudo apt-get update && sudo apt-get install -y redis-server nats-server',
    );
    expect(() => ensurePackages(PLATFORM_PACKAGES, () => {}, { isRoot: () => false, isPresent: () => true })).not.toThrow();
  });
});
