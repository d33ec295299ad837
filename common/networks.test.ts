import { describe, expect, it } from 'vitest';
import { APPS_NETWORK, BUILDS_NETWORK, ensureHostFirewall, hostFirewallRule, networkCreateOptions, networkMismatch } from './networks.js';

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
});
