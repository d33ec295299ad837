import { expect, test } from 'vitest';
import { cidrContains, cidrSubnet, CidrError, formatCidr, parseCidr, planSubnets } from './cidr.js';

test('parses and formats IPv4 blocks, refusing host bits and nonsense', () => {
  expect(formatCidr(parseCidr('10.42.0.0/16'))).toBe('10.42.0.0/16');
  expect(parseCidr('192.168.1.0/24')).toEqual({ network: 0xc0a80100, prefix: 24 });
  expect(() => parseCidr('10.42.1.0/16')).toThrow(/host bits set; the network is 10.42.0.0\/16/);
  for (const bad of ['10.0.0.0', '10.0.0.256/24', '10.0.0.0/33', 'ten/8']) expect(() => parseCidr(bad)).toThrow(CidrError);
});

test('cidrSubnet matches Terraform\'s cidrsubnet', () => {
  expect(cidrSubnet('10.42.0.0/16', 4, 0)).toBe('10.42.0.0/20');
  expect(cidrSubnet('10.42.0.0/16', 4, 1)).toBe('10.42.16.0/20');
  expect(cidrSubnet('10.42.0.0/16', 8, 240)).toBe('10.42.240.0/24');
  expect(cidrSubnet('172.16.0.0/12', 4, 15)).toBe('172.31.0.0/16');
  expect(() => cidrSubnet('10.42.0.0/16', 4, 16)).toThrow(CidrError);
  expect(() => cidrSubnet('10.42.0.0/30', 4, 0)).toThrow(CidrError);
});

test('the subnet plan gives each zone a private /20 and a public /24, all disjoint and inside the VPC', () => {
  const plan = planSubnets('10.42.0.0/16', ['a', 'b', 'c']);
  expect(plan).toEqual([
    { zone: 'a', privateCidr: '10.42.0.0/20', publicCidr: '10.42.240.0/24' },
    { zone: 'b', privateCidr: '10.42.16.0/20', publicCidr: '10.42.241.0/24' },
    { zone: 'c', privateCidr: '10.42.32.0/20', publicCidr: '10.42.242.0/24' },
  ]);
  const blocks = plan.flatMap((zone) => [zone.privateCidr, zone.publicCidr]);
  for (const block of blocks) expect(cidrContains('10.42.0.0/16', block)).toBe(true);
  for (const a of blocks) for (const b of blocks) if (a !== b) expect(cidrContains(a, b)).toBe(false);
  // adding a zone never moves an existing subnet
  expect(planSubnets('10.42.0.0/16', ['a', 'b']).slice(0, 2)).toEqual(plan.slice(0, 2));
  expect(() => planSubnets('10.42.0.0/24', ['a', 'b'])).toThrow(/too small/);
});
