import { describe, expect, it } from 'vitest';
import { ADDON_SUBNET_PREFIX, addonNetwork, APPS_NETWORK, BUILDS_NETWORK, DEFAULT_ADDON_SUBNETS, ensureHostFirewall, freeSubnet, hostFirewallRule, networkCreateOptions, networkMismatch, subnetRangeProblem } from './networks.js';

describe('Slipway networks', () => {
  it('asks for bridges with inter-container traffic off, a fixed bridge name and Slipway labels', () => {
    expect(networkCreateOptions(APPS_NETWORK)).toMatchObject({
      Name: 'slipway-apps',
      Driver: 'bridge',
      CheckDuplicate: true,
      Internal: false,
      Options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': 'slw-apps' },
      Labels: { 'io.slipway.managed': 'true', 'io.slipway.network.role': 'apps' },
    });
    expect(BUILDS_NETWORK.bridge.length).toBeLessThanOrEqual(15);
  });

  it('refuses a network of the same name that is not Slipway’s own', () => {
    const own = networkCreateOptions(BUILDS_NETWORK);
    expect(networkMismatch(BUILDS_NETWORK, { Id: 'x', Name: own.Name, Driver: 'bridge', Options: own.Options, Labels: own.Labels })).toBeNull();
    expect(networkMismatch(BUILDS_NETWORK, { Id: 'x', Name: own.Name, Driver: 'bridge', Options: {}, Labels: own.Labels })).toBe('inter-container traffic is on');
    expect(networkMismatch(BUILDS_NETWORK, { Id: 'x', Name: own.Name, Driver: 'bridge', Options: own.Options, Labels: {} })).toMatch(/not labeled/);
  });

  it('adds the host rule only when iptables does not have it', async () => {
    const calls: string[][] = [];
    await ensureHostFirewall(APPS_NETWORK, async (args) => (calls.push(args), args[0] === '-I'));
    expect(calls.map((args) => args[0])).toEqual(['-C', '-I']);
    expect(calls[1]!.slice(1)).toEqual(hostFirewallRule(APPS_NETWORK));
    calls.length = 0;
    await ensureHostFirewall(APPS_NETWORK, async (args) => (calls.push(args), true));
    expect(calls.map((args) => args[0])).toEqual(['-C']);
  });

  it('names an add-on’s network after its host as well, with a short bridge of its own per host', () => {
    const here = addonNetwork('host-a', 'pg-1');
    const there = addonNetwork('host-b', 'pg-1');
    expect(here.name).toBe('slipway-addon-pg-1.host-a');
    expect(there.name).not.toBe(here.name);
    expect(there.bridge).not.toBe(here.bridge);
    expect(here.bridge).toMatch(/^slwa[0-9a-f]{11}$/);
    expect(addonNetwork('host-a', 'pg-1')).toEqual(here);
    expect(here.subnets).toEqual({ range: DEFAULT_ADDON_SUBNETS, prefix: ADDON_SUBNET_PREFIX });
  });
});

describe('freeSubnet', () => {
  const pool = { range: '10.213.0.0/16', prefix: 25 };

  it('takes the first /25 no network overlaps, from where it is told to start', () => {
    expect(freeSubnet(pool, [])).toBe('10.213.0.0/25');
    expect(freeSubnet(pool, ['172.17.0.0/16', '10.213.0.0/25'])).toBe('10.213.0.128/25');
    expect(freeSubnet(pool, [], 3)).toBe('10.213.1.128/25');
    // wider networks inside or around the range count too
    expect(freeSubnet(pool, ['10.213.0.0/24'])).toBe('10.213.1.0/25');
    expect(freeSubnet(pool, ['10.0.0.0/8'])).toBeNull();
  });

  it('wraps around the range, and answers null when every subnet is taken', () => {
    expect(freeSubnet(pool, [], 512)).toBe('10.213.0.0/25');
    expect(freeSubnet(pool, ['10.213.0.0/25'], 511)).toBe('10.213.255.128/25');
    const small = { range: '10.9.0.0/24', prefix: 25 };
    expect(freeSubnet(small, ['10.9.0.0/25'])).toBe('10.9.0.128/25');
    expect(freeSubnet(small, ['10.9.0.0/25', '10.9.0.128/25'])).toBeNull();
  });

  it('ignores IPv6 subnets, and a range given off its boundary starts at the boundary', () => {
    expect(freeSubnet(pool, ['fd00::/64'])).toBe('10.213.0.0/25');
    expect(freeSubnet({ range: '10.213.7.9/16', prefix: 25 }, [])).toBe('10.213.0.0/25');
  });

  it('says why a range cannot be used', () => {
    expect(subnetRangeProblem('10.213.0.0/16')).toBeNull();
    expect(subnetRangeProblem('10.213.0.0/25')).toBeNull();
    expect(subnetRangeProblem('10.213.0.0/26')).toBe('narrower than one /25');
    expect(subnetRangeProblem('fd00::/48')).toMatch(/IPv4 CIDR/);
    expect(subnetRangeProblem('10.213.0.0')).toMatch(/IPv4 CIDR/);
  });
});
