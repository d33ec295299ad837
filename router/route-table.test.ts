import { describe, expect, it } from 'vitest';
import { mergeSnapshot, normalizeRoute, withRoute, type AppRoute } from './route-table.js';

const backend = (port: number, instanceId = `web.${port}`) => ({ instanceId, address: '127.0.0.1', port });

describe('normalizeRoute', () => {
  it('lowercases and deduplicates hostnames and adds the default one', () => {
    const { route, problems } = normalizeRoute({ appName: 'shop', hostnames: ['WWW.Shop.Example.', 'www.shop.example'], backends: [backend(1), backend(1)] }, 'apps.test');
    expect(problems).toEqual([]);
    expect(route).toEqual({ appName: 'shop', hostnames: ['shop.apps.test', 'www.shop.example'], backends: [backend(1)] });
  });

  it('treats an empty hostname list as the app being gone', () => {
    expect(normalizeRoute({ appName: 'shop', hostnames: [], backends: [backend(1)] }, 'localhost').route).toBeNull();
  });

  it('drops what the data plane cannot use, and says why', () => {
    const { route, problems } = normalizeRoute(
      { appName: 'shop', hostnames: ['bad host', 'ok.example'], backends: [{ instanceId: 'x', address: 'db.internal', port: 5 }, backend(0)] },
      'localhost',
    );
    expect(route?.hostnames).toEqual(['ok.example', 'shop.localhost']);
    expect(route?.backends).toEqual([]);
    expect(problems).toHaveLength(3);
  });

  it('rejects a message that is not a route', () => {
    expect(normalizeRoute({ appName: 3 }, 'localhost')).toMatchObject({ route: null, problems: [expect.stringMatching(/invalid route/)] });
  });
});

describe('route table', () => {
  const a: AppRoute = { appName: 'a', hostnames: ['a.localhost'], backends: [backend(1)] };
  const b: AppRoute = { appName: 'b', hostnames: ['b.localhost'], backends: [backend(2)] };

  it('applies an app route as its complete new state', () => {
    const table = withRoute(new Map([['a', a]]), 'b', b);
    expect([...table.keys()]).toEqual(['a', 'b']);
    expect(withRoute(table, 'a', null).has('a')).toBe(false);
  });

  it('lets NATS updates received during a resync win over the older snapshot', () => {
    const newerA = { ...a, backends: [backend(9)] };
    const merged = mergeSnapshot(new Map([['a', a], ['b', b]]), new Map([['a', newerA]]), new Set(['a', 'b']));
    expect(merged.get('a')).toEqual(newerA);
    // b was removed over NATS while the snapshot (which still had it) was read.
    expect(merged.has('b')).toBe(false);
  });

  it('prunes apps missing from the snapshot', () => {
    expect([...mergeSnapshot(new Map([['a', a]]), new Map([['a', a], ['b', b]]), new Set()).keys()]).toEqual(['a']);
  });
});
