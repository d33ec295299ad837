import { describe, expect, it } from 'vitest';
import { addSlots, applyOp, emptyState, findSlot, type DataPlaneState } from './data-plane-state.js';
import { grownSlotCount, planDrainDeletions, planRouteChanges } from './route-diff.js';
import type { AppRoute } from './route-table.js';

const backend = (port: number, instanceId = `web.${port}`) => ({ instanceId, address: '127.0.0.1', port });
const route = (appName: string, ports: number[], hostnames = [`${appName}.localhost`]): AppRoute => ({ appName, hostnames, backends: ports.map((p) => backend(p)) });
const table = (...routes: AppRoute[]) => new Map(routes.map((r) => [r.appName, r]));
const options = { now: 1_000, slotQuarantineMs: 100 };

function applied(state: DataPlaneState, t: Map<string, AppRoute>, now = 1_000) {
  const plan = planRouteChanges(t, state, { ...options, now });
  for (const op of plan.ops) applyOp(state, op);
  return plan;
}

describe('planRouteChanges', () => {
  it('gives a new app a slot, adds its servers before mapping its hostnames', () => {
    const state = emptyState(2);
    const plan = applied(state, table(route('a', [1, 2])));
    expect(plan.ops.map((op) => op.type)).toEqual(['assign-slot', 'add-server', 'add-server', 'set-host']);
    expect(state.hosts.get('a.localhost')).toBe('slot_0');
    expect(state.slots[0]!.servers.map((s) => s.port)).toEqual([1, 2]);
  });

  it('leads the hostnames of an app in maintenance to the maintenance page, keeping its servers, and back', () => {
    const state = emptyState(2);
    applied(state, table(route('a', [1])));
    const on = applied(state, table({ ...route('a', [1], ['a.localhost', 'www.a.test']), maintenance: true }));
    expect(on.ops).toEqual([
      { type: 'set-host', hostname: 'a.localhost', slot: 'maintenance', replace: true },
      { type: 'set-host', hostname: 'www.a.test', slot: 'maintenance', replace: false },
    ]);
    expect(state.slots[0]!.servers.map((s) => [s.port, s.drainingSince])).toEqual([[1, null]]);
    const off = applied(state, table(route('a', [1], ['a.localhost', 'www.a.test'])));
    expect(off.ops.map((op) => op.type === 'set-host' && `${op.hostname} ${op.slot}`)).toEqual(['a.localhost slot_0', 'www.a.test slot_0']);
  });

  it('leads the hostnames of a sleeping app to the waker before its servers go, and back once it is up', () => {
    const state = emptyState(2);
    applied(state, table(route('a', [1])));
    // asleep: the hostname moves to the waker first; the server drains only when the route drops it
    const asleep = applied(state, table({ ...route('a', [1]), sleeping: true }));
    expect(asleep.ops).toEqual([{ type: 'set-host', hostname: 'a.localhost', slot: 'waker', replace: true }]);
    const stopped = applied(state, table({ ...route('a', []), sleeping: true }), 1_000);
    expect(stopped.ops.map((op) => op.type)).toEqual(['drain-server']);
    // woken: the new server first, then the hostname back to its slot
    const awake = applied(state, table(route('a', [2])), 2_000);
    expect(awake.ops.map((op) => (op.type === 'set-host' ? `set-host ${op.slot}` : op.type))).toEqual(['add-server', 'set-host slot_0']);
  });

  it('keeps each hostname’s TLS policy in the hosts map under `<hostname>:tls`, and drops it when the app turns it off', () => {
    const state = emptyState(2);
    applied(state, table(route('a', [1], ['a.localhost', 'www.a.test'])));
    const on = applied(state, table({ ...route('a', [1], ['a.localhost', 'www.a.test']), httpsRedirect: true, hsts: true }));
    expect(on.ops).toEqual([
      { type: 'set-host', hostname: 'a.localhost:tls', slot: 'redirect-hsts', replace: false },
      { type: 'set-host', hostname: 'www.a.test:tls', slot: 'redirect-hsts', replace: false },
    ]);
    const hstsOnly = applied(state, table({ ...route('a', [1], ['a.localhost', 'www.a.test']), hsts: true }));
    expect(hstsOnly.ops.map((op) => op.type === 'set-host' && `${op.hostname} ${op.slot} ${op.replace}`)).toEqual(['a.localhost:tls hsts true', 'www.a.test:tls hsts true']);
    const off = applied(state, table(route('a', [1], ['a.localhost', 'www.a.test'])));
    expect(off.ops).toEqual([
      { type: 'delete-host', hostname: 'a.localhost:tls' },
      { type: 'delete-host', hostname: 'www.a.test:tls' },
    ]);
  });

  it('does nothing when HAProxy already holds the table', () => {
    const state = emptyState(2);
    applied(state, table(route('a', [1])));
    expect(planRouteChanges(table(route('a', [1])), state, options).ops).toEqual([]);
  });

  it('swaps backends by adding the new ones first and draining the old ones', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1, 2])));
    const plan = applied(state, table(route('a', [2, 3])), 2_000);
    expect(plan.ops.map((op) => `${op.type}${'server' in op && typeof op.server === 'string' ? ` ${op.server}` : ''}`)).toEqual(['add-server', 'drain-server s1']);
    expect(state.slots[0]!.servers.find((s) => s.port === 1)?.drainingSince).toBe(2_000);
  });

  it('brings a draining backend back instead of adding a duplicate', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1])));
    applied(state, table(route('a', [])));
    expect(applied(state, table(route('a', [1]))).ops.map((op) => op.type)).toEqual(['ready-server']);
  });

  it('treats a new instance on a reused port as a new server', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1])));
    const next: AppRoute = { appName: 'a', hostnames: ['a.localhost'], backends: [backend(1, 'web.other')] };
    expect(applied(state, table(next)).ops.map((op) => op.type)).toEqual(['add-server', 'drain-server']);
  });

  it('unmaps a removed app before draining its servers, and frees its slot', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1])));
    const plan = applied(state, table(), 5_000);
    expect(plan.ops.map((op) => op.type)).toEqual(['delete-host', 'drain-server', 'release-slot']);
    expect(state.slots[0]).toMatchObject({ appName: null, freedAt: 5_000 });
  });

  it('reuses a freed slot only once its servers are gone and its quarantine is over', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1])));
    applied(state, table(), 1_000);
    expect(planRouteChanges(table(route('b', [2])), state, { ...options, now: 5_000 }).appsWithoutSlot).toEqual(['b']);
    for (const op of planDrainDeletions(state, new Map(), 1_001, 60_000)) applyOp(state, op);
    expect(planRouteChanges(table(route('b', [2])), state, { ...options, now: 1_050 }).appsWithoutSlot).toEqual(['b']);
    expect(planRouteChanges(table(route('b', [2])), state, { ...options, now: 1_200 }).appsWithoutSlot).toEqual([]);
  });

  it('moves a hostname from one app to another in place', () => {
    const state = emptyState(2);
    applied(state, table(route('a', [1], ['a.localhost', 'www.example.com'])));
    const plan = applied(state, table(route('a', [1], ['a.localhost']), route('b', [2], ['b.localhost', 'www.example.com'])));
    expect(plan.ops.filter((op) => op.type === 'set-host')).toEqual([
      { type: 'set-host', hostname: 'b.localhost', slot: 'slot_1', replace: false },
      { type: 'set-host', hostname: 'www.example.com', slot: 'slot_1', replace: true },
    ]);
    expect(plan.ops.some((op) => op.type === 'delete-host')).toBe(false);
  });

  it('keeps a contested hostname with the app that holds it', () => {
    const state = emptyState(2);
    applied(state, table(route('zed', [1], ['shared.example'])));
    const plan = applied(state, table(route('zed', [1], ['shared.example']), route('abe', [2], ['shared.example'])));
    expect(plan.conflicts).toEqual([{ hostname: 'shared.example', apps: ['abe', 'zed'], winner: 'zed' }]);
    expect(state.hosts.get('shared.example')).toBe('slot_0');
  });

  it('reports the apps that need a bigger slot pool', () => {
    const plan = planRouteChanges(table(route('a', [1]), route('b', [2]), route('c', [3])), emptyState(2), options);
    expect(plan.appsWithoutSlot).toEqual(['c']);
    expect(grownSlotCount(2, 1)).toBe(4);
    expect(grownSlotCount(2, 9)).toBe(11);
  });
});

describe('planDrainDeletions', () => {
  it('deletes drained servers with no session, and cuts the ones whose drain timed out', () => {
    const state = emptyState(1);
    applied(state, table(route('a', [1, 2, 3])));
    applied(state, table(route('a', [])), 1_000);
    const ops = planDrainDeletions(state, new Map([['slot_0/s1', 0], ['slot_0/s2', 3], ['slot_0/s3', 1]]), 1_000 + 60_000, 60_000);
    expect(ops).toEqual([
      { type: 'delete-server', slot: 'slot_0', server: 's1', force: false },
      { type: 'delete-server', slot: 'slot_0', server: 's2', force: true },
      { type: 'delete-server', slot: 'slot_0', server: 's3', force: true },
    ]);
    expect(planDrainDeletions(state, new Map([['slot_0/s2', 3]]), 1_500, 60_000).map((op) => op.type === 'delete-server' && op.server)).toEqual(['s1', 's3']);
  });
});

describe('findSlot', () => {
  it('finds a slot by its name, including slots added later, and nothing else', () => {
    const state = emptyState(4);
    addSlots(state, 4);
    expect(findSlot(state, 'slot_3')?.name).toBe('slot_3');
    expect(findSlot(state, 'slot_7')?.name).toBe('slot_7');
    for (const other of ['slot_8', 'slot_03', 'slot_', 'slot_1.0', 'no_such_app', 'public']) expect(findSlot(state, other)).toBeUndefined();
  });
});
