import { expect, test } from 'vitest';
import { ANYWHERE, coversPort, DOCKER_API_PORTS, groupNames, securityRules, type PostureInput } from './security-rules.js';

const INPUT: PostureInput = {
  vpcCidr: '10.42.0.0/16',
  routerHttpPort: 8080,
  routerHttpsPort: 8443,
  apiPort: 5780,
  appPorts: { from: 32768, to: 60999 },
  managedRedis: false,
};

for (const managedRedis of [false, true]) {
  test(`posture (managedRedis ${managedRedis}): the world reaches only the load balancer, on 80 and 443`, () => {
    const rules = securityRules({ ...INPUT, managedRedis });
    const fromWorld = rules.filter((r) => r.direction === 'ingress' && 'cidr' in r.peer && r.peer.cidr === ANYWHERE);
    expect(fromWorld.map((r) => [r.group, r.fromPort, r.toPort])).toEqual([
      ['loadBalancer', 80, 80],
      ['loadBalancer', 443, 443],
    ]);
    const otherCidrs = rules.filter((r) => r.direction === 'ingress' && 'cidr' in r.peer && r.peer.cidr !== ANYWHERE);
    expect(otherCidrs.map((r) => [r.group, r.peer, r.fromPort])).toEqual([['endpoints', { cidr: '10.42.0.0/16' }, 443]]);
    for (const rule of rules) {
      for (const port of DOCKER_API_PORTS) {
        if (rule.direction === 'ingress') expect(coversPort(rule, port)).toBe(false);
        expect([rule.fromPort, rule.toPort]).not.toContain(port);
      }
    }
    const groups = new Set(groupNames({ managedRedis }));
    for (const rule of rules) {
      expect(groups.has(rule.group)).toBe(true);
      if ('group' in rule.peer) expect(groups.has(rule.peer.group)).toBe(true);
    }
  });
}

test('engine hosts admit only the routers and the waker (on the control plane), only on the app port range', () => {
  const ingress = securityRules(INPUT).filter((r) => r.group === 'engine' && r.direction === 'ingress');
  expect(ingress).toEqual([
    expect.objectContaining({ peer: { group: 'router' }, fromPort: 32768, toPort: 60999, protocol: 'tcp' }),
    expect.objectContaining({ peer: { group: 'controlPlane' }, fromPort: 32768, toPort: 60999, protocol: 'tcp' }),
  ]);
});

test('Redis moves to its own group with ElastiCache, and the control plane stops admitting 6379', () => {
  const onHost = securityRules(INPUT).filter((r) => r.direction === 'ingress' && coversPort(r, 6379));
  expect(onHost.map((r) => [r.group, r.peer])).toEqual([['controlPlane', { group: 'router' }]]);
  const managed = securityRules({ ...INPUT, managedRedis: true }).filter((r) => r.direction === 'ingress' && coversPort(r, 6379));
  expect(managed.map((r) => [r.group, r.peer])).toEqual([
    ['redis', { group: 'controlPlane' }],
    ['redis', { group: 'router' }],
  ]);
  expect(groupNames({ managedRedis: true })).toContain('redis');
  expect(groupNames({ managedRedis: false })).not.toContain('redis');
});
