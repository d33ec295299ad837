import { expect, test } from 'vitest';
import { thrown } from './test-helpers.js';
import { HostSetError, parseHostSet, placeHosts, withHostsAdded, withoutHost } from './host-set.js';

const SUBNETS = ['subnet-0a', 'subnet-0b', 'subnet-0c'];

test('new hosts go to the zones with the fewest hosts; existing hosts never move', () => {
  expect(placeHosts({}, ['h1', 'h2', 'h3', 'h4'], SUBNETS)).toEqual({ h1: 'subnet-0a', h2: 'subnet-0b', h3: 'subnet-0c', h4: 'subnet-0a' });
  expect(placeHosts({ x: 'subnet-0a', y: 'subnet-0a', z: 'subnet-0b' }, ['h1', 'h2'], SUBNETS)).toEqual({ h1: 'subnet-0c', h2: 'subnet-0b' });
  // hosts in a subnet no longer offered still count nowhere and stay where they are
  expect(placeHosts({ old: 'subnet-0f' }, ['h1'], SUBNETS)).toEqual({ h1: 'subnet-0a' });
  expect(() => placeHosts({}, ['h1'], [])).toThrow(HostSetError);
});

test('adding and removing hosts', () => {
  const empty = parseHostSet(undefined, undefined);
  const two = withHostsAdded(empty, [{ hostId: 'h1', token: 't1' }, { hostId: 'h2', token: 't2' }], SUBNETS);
  expect(two).toEqual({ placements: { h1: 'subnet-0a', h2: 'subnet-0b' }, tokens: { h1: 't1', h2: 't2' } });
  expect(() => withHostsAdded(two, [{ hostId: 'h1', token: 'again' }], SUBNETS)).toThrow(/already exists/);
  expect(() => withHostsAdded(two, [{ hostId: 'h3', token: 'a' }, { hostId: 'h3', token: 'b' }], SUBNETS)).toThrow(/twice/);
  expect(() => withHostsAdded(two, [{ hostId: 'bad.id', token: 'a' }], SUBNETS)).toThrow(/bad host id/);
  expect(withoutHost(two, 'h1')).toEqual({ placements: { h2: 'subnet-0b' }, tokens: { h2: 't2' } });
  expect(withoutHost(two, 'unknown')).toEqual(two);
});

test('parses the stack config and refuses a set whose placements and tokens disagree, without showing tokens', () => {
  expect(parseHostSet('{"h1":"subnet-0a"}', '{"h1":"secret-token"}')).toEqual({ placements: { h1: 'subnet-0a' }, tokens: { h1: 'secret-token' } });
  expect(() => parseHostSet('{"h1":"subnet-0a"}', '{}')).toThrow(/differ/);
  expect(() => parseHostSet('{"h1":"not-a-subnet"}', '{"h1":"t"}')).toThrow(/placements setting is not valid/);
  const error = thrown(() => parseHostSet('{}', '{"h1": 42, "leak": "secret-token-value"'));
  expect(error).toBeInstanceOf(HostSetError);
  expect(String(error)).not.toContain('secret-token-value');
  expect(error.cause).toBeUndefined();
});
