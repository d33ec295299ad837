import { describe, expect, it } from 'vitest';
import { daemonJsonPath, dockerdFlags, ENGINE_SETTINGS, userlandProxyEnabled } from './docker-engine-settings.js';

describe('Slipway engine settings', () => {
  it('turn into dockerd flags with the same meaning as daemon.json', () => {
    expect(dockerdFlags()).toEqual(['--userland-proxy=false']);
    expect(userlandProxyEnabled({ argv: ['dockerd', ...dockerdFlags()], daemonJson: null })).toBe(false);
    expect(userlandProxyEnabled({ argv: ['dockerd'], daemonJson: JSON.stringify(ENGINE_SETTINGS) })).toBe(false);
  });
});

describe('userlandProxyEnabled', () => {
  it("is Docker's default (on) when neither a flag nor daemon.json says otherwise", () => {
    expect(userlandProxyEnabled({ argv: ['/usr/sbin/dockerd', '-H', 'fd://'], daemonJson: null })).toBe(true);
    expect(userlandProxyEnabled({ argv: ['dockerd'], daemonJson: '{"live-restore": true}' })).toBe(true);
  });

  it('reads the flag in each of its spellings', () => {
    expect(userlandProxyEnabled({ argv: ['dockerd', '--userland-proxy=false'], daemonJson: null })).toBe(false);
    expect(userlandProxyEnabled({ argv: ['dockerd', '--userland-proxy=true'], daemonJson: null })).toBe(true);
    expect(userlandProxyEnabled({ argv: ['dockerd', '--userland-proxy'], daemonJson: null })).toBe(true);
    // A boolean flag takes no separate value word: dockerd reads this as on.
    expect(userlandProxyEnabled({ argv: ['dockerd', '--userland-proxy', 'false'], daemonJson: null })).toBe(true);
  });

  it('reads daemon.json, and treats one it cannot parse as saying nothing', () => {
    expect(userlandProxyEnabled({ argv: ['dockerd'], daemonJson: '{"userland-proxy": false}' })).toBe(false);
    expect(userlandProxyEnabled({ argv: ['dockerd'], daemonJson: '{"userland-proxy": true}' })).toBe(true);
    expect(userlandProxyEnabled({ argv: ['dockerd'], daemonJson: '{not json' })).toBe(true);
  });
});

describe('daemonJsonPath', () => {
  it('is /etc/docker/daemon.json unless --config-file names another', () => {
    expect(daemonJsonPath(['dockerd'])).toBe('/etc/docker/daemon.json');
    expect(daemonJsonPath(['dockerd', '--config-file=/srv/docker.json'])).toBe('/srv/docker.json');
    expect(daemonJsonPath(['dockerd', '--config-file', '/srv/docker.json'])).toBe('/srv/docker.json');
  });
});
