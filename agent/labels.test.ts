import { describe, expect, it } from 'vitest';
import type { RunInstanceRequest } from '../common/protocol.js';
import {
  dynoName,
  hostSelector,
  identityFromLabels,
  instanceLabels,
  instanceSelector,
  labelFilters,
  matchesSelector,
} from './labels.js';

const request: RunInstanceRequest = {
  instanceId: 'i-123',
  appId: 'app-9',
  appName: 'shop',
  type: 'web',
  index: 2,
  releaseVersion: 7,
  image: { repository: 'apps/shop', digest: `sha256:${'a'.repeat(64)}` },
  command: 'node server.js',
  env: { SECRET: 'x' },
  memoryMb: 512,
  cpus: 0.5,
  checkPort: true,
  bootTimeoutSeconds: 45,
  healthCheck: null,
  addons: [],
};

describe('labels', () => {
  it('marks the container as managed by its host, with the instance identity', () => {
    expect(instanceLabels('host-a', request)).toEqual({
      'io.slipway.managed': 'true',
      'io.slipway.host': 'host-a',
      'io.slipway.app': 'shop',
      'io.slipway.app-id': 'app-9',
      'io.slipway.instance': 'i-123',
      'io.slipway.process-type': 'web',
      'io.slipway.process-index': '2',
      'io.slipway.release': '7',
      'io.slipway.check-port': 'true',
      'io.slipway.boot-timeout-seconds': '45',
      'io.slipway.cpus': '0.5',
    });
  });

  it('never puts config vars into labels', () => {
    expect(JSON.stringify(instanceLabels('host-a', request))).not.toContain('SECRET');
  });

  it('reads the identity back from the labels', () => {
    expect(identityFromLabels(instanceLabels('host-a', request))).toEqual({
      instanceId: 'i-123',
      appId: 'app-9',
      appName: 'shop',
      type: 'web',
      index: 2,
      releaseVersion: 7,
      checkPort: true,
      bootTimeoutSeconds: 45,
      healthCheck: null,
      cpus: 0.5,
    });
  });

  it("keeps the dyno's CPU limit in a label, where a startup CPU boost ends after an agent restart", () => {
    const labels = instanceLabels('host-a', { ...request, cpus: 1, bootCpus: 2 });
    expect(labels['io.slipway.cpus']).toBe('1');
    expect(identityFromLabels(labels)?.cpus).toBe(1);
    // containers made before the label: not known, so never lowered
    const { 'io.slipway.cpus': _, ...older } = labels;
    expect(identityFromLabels(older)).not.toHaveProperty('cpus');
    expect(identityFromLabels({ ...labels, 'io.slipway.cpus': 'lots' })).not.toHaveProperty('cpus');
  });

  it('keeps the health check in a label, so an agent restarted meanwhile keeps checking', () => {
    const check = { path: '/health', status: 204, intervalSeconds: 5, timeoutSeconds: 2, attempts: 3 };
    const labels = instanceLabels('host-a', { ...request, healthCheck: check });
    expect(JSON.parse(labels['io.slipway.health-check']!)).toEqual(check);
    expect(identityFromLabels(labels)?.healthCheck).toEqual(check);
    expect(identityFromLabels({ ...labels, 'io.slipway.health-check': '{"path":"no slash"}' })?.healthCheck).toBeNull();
  });

  it("keeps the app's stop grace in a label, for the stops the agent decides itself", () => {
    const labels = instanceLabels('host-a', { ...request, stopGraceSeconds: 90 });
    expect(labels['io.slipway.stop-grace-seconds']).toBe('90');
    expect(identityFromLabels(labels)?.stopGraceSeconds).toBe(90);
    expect(identityFromLabels({ ...labels, 'io.slipway.stop-grace-seconds': 'soon' })).not.toHaveProperty('stopGraceSeconds');
    expect(identityFromLabels({ ...labels, 'io.slipway.stop-grace-seconds': '' })).not.toHaveProperty('stopGraceSeconds');
    expect(instanceLabels('host-a', request)).not.toHaveProperty(['io.slipway.stop-grace-seconds']);
    // the platform's drain before those stops, likewise
    const drained = instanceLabels('host-a', { ...request, drainMs: 2000 });
    expect(drained['io.slipway.drain-ms']).toBe('2000');
    expect(identityFromLabels(drained)?.drainMs).toBe(2000);
    expect(identityFromLabels({ ...drained, 'io.slipway.drain-ms': '-1' })).not.toHaveProperty('drainMs');
  });

  it('refuses an incomplete label set', () => {
    const labels = instanceLabels('host-a', request);
    delete labels['io.slipway.instance'];
    expect(identityFromLabels(labels)).toBeNull();
    expect(identityFromLabels({ ...instanceLabels('host-a', request), 'io.slipway.process-index': 'x' })).toBeNull();
  });

  it('selects by host, and by host and instance', () => {
    expect(labelFilters(hostSelector('host-a'))).toEqual(['io.slipway.managed=true', 'io.slipway.host=host-a']);
    expect(labelFilters(instanceSelector('host-a', 'i-1'))).toEqual([
      'io.slipway.managed=true',
      'io.slipway.host=host-a',
      'io.slipway.instance=i-1',
    ]);
  });

  it('matches only containers of the same host', () => {
    const labels = instanceLabels('host-a', request);
    expect(matchesSelector(labels, hostSelector('host-a'))).toBe(true);
    expect(matchesSelector(labels, hostSelector('host-b'))).toBe(false);
    expect(matchesSelector(labels, instanceSelector('host-a', 'i-999'))).toBe(false);
    expect(matchesSelector(undefined, hostSelector('host-a'))).toBe(false);
  });

  it('names dynos the Heroku way', () => {
    expect(dynoName({ type: 'worker', index: 3 })).toBe('worker.3');
  });
});
