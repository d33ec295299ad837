import { expect, test } from 'vitest';
import type { LogLine } from '../../common/protocol.js';
import { knownLogSource, logFilter } from './filter.js';

const line = (source: LogLine['source'], process: string): LogLine => ({ appName: 'a', source, process, line: 'x', at: '2026-01-01T00:00:00Z' });
const lines = [line('app', 'web.1'), line('app', 'web.2'), line('app', 'worker.1'), line('router', 'router'), line('slipway', 'web.1'), line('app', 'webhook.1')];
const kept = (filter: Parameters<typeof logFilter>[0]) => {
  const test = logFilter(filter);
  return (test ? lines.filter(test) : lines).map((l) => `${l.source}:${l.process}`);
};

test('no filter keeps everything', () => {
  expect(logFilter({})).toBeNull();
});

test('--dyno takes a type or one process, never a prefix of another type', () => {
  expect(kept({ dyno: 'web' })).toEqual(['app:web.1', 'app:web.2', 'slipway:web.1']);
  expect(kept({ dyno: 'web.2' })).toEqual(['app:web.2']);
  expect(kept({ dyno: 'router' })).toEqual(['router:router']);
});

test('--source app is the app, heroku (or slipway) the platform', () => {
  expect(kept({ source: 'app' })).toEqual(['app:web.1', 'app:web.2', 'app:worker.1', 'app:webhook.1']);
  expect(kept({ source: 'heroku' })).toEqual(['router:router', 'slipway:web.1']);
  expect(kept({ source: 'slipway', dyno: 'web' })).toEqual(['slipway:web.1']);
});

test('--source router and platform split the platform in two', () => {
  expect(kept({ source: 'router' })).toEqual(['router:router']);
  expect(kept({ source: 'platform' })).toEqual(['slipway:web.1']);
  expect(kept({ source: 'platform', dyno: 'router' })).toEqual([]);
});

test('known sources', () => {
  expect(['app', 'heroku', 'slipway', 'router', 'platform', 'web', 'constructor'].map(knownLogSource)).toEqual([true, true, true, true, true, false, false]);
});
