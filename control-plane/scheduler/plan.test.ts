import { describe, expect, it } from 'vitest';
import type { FormationEntry, Host, Instance } from '../../common/types.js';
import { planApp, rolloutStatus, type Action, type PlanInput } from './plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function host(id: string, state: Host['state'] = 'up', memoryMb = 4096): Host {
  return { id, provider: 'local', state, address: '127.0.0.1', capacity: { memoryMb, cpus: 2 }, lastHeartbeat: iso(T0), createdAt: iso(T0) };
}

let seq = 0;
function instance(over: Partial<Instance>): Instance {
  seq += 1;
  return {
    id: `i${seq}`,
    appId: 'app',
    appName: 'hello',
    type: 'web',
    index: 1,
    releaseVersion: 1,
    hostId: 'h1',
    size: 'basic',
    state: 'up',
    port: 30000 + seq,
    exitCode: null,
    reason: null,
    restarts: 0,
    createdAt: iso(T0),
    updatedAt: iso(T0),
    ...over,
  };
}

const web = (quantity: number): FormationEntry[] => [{ type: 'web', quantity, size: 'basic' }];

function plan(over: Partial<PlanInput>): Action[] {
  return planApp({
    release: { version: 1, processTypes: { web: 'node server.js' } },
    formation: web(1),
    instances: [],
    hosts: [host('h1')],
    hostUsageMb: {},
    now: T0 + 1000,
    stopRetryMs: 30_000,
    ...over,
  });
}

const kinds = (actions: Action[]) => actions.map((a) => (a.kind === 'start' ? `start ${a.type}.${a.index}@${a.hostId} v${a.releaseVersion}` : a.kind === 'unplaceable' ? `unplaceable ${a.type}.${a.index}` : `${a.kind} ${a.instance.id}`));

describe('planApp', () => {
  it('starts the wanted instances of the current release', () => {
    expect(kinds(plan({ formation: web(2) }))).toEqual(['start web.1@h1 v1', 'start web.2@h1 v1']);
  });

  it.each(['constructor', '__proto__', 'valueOf'])('starts nothing for %s, which the release does not declare (own properties only)', (type) => {
    const formation: FormationEntry[] = [...web(1), { type, quantity: 2, size: 'basic' }];
    expect(kinds(plan({ formation }))).toEqual(['start web.1@h1 v1']);
    expect(rolloutStatus({ version: 1, processTypes: { web: 'node server.js' } }, formation, [instance({ state: 'up' })])).toEqual({ state: 'done' });
  });

  it('does nothing when the world matches', () => {
    const running = instance({ id: 'a' });
    expect(plan({ instances: [running] })).toEqual([]);
  });

  it('scales down by stopping the highest slots', () => {
    const instances = [instance({ id: 'a', index: 1 }), instance({ id: 'b', index: 2 }), instance({ id: 'c', index: 3 })];
    expect(kinds(plan({ instances }))).toEqual(['stop b', 'stop c']);
  });

  it('keeps the previous release serving until the new instance is up', () => {
    const old = instance({ id: 'old', releaseVersion: 1 });
    const release = { version: 2, processTypes: { web: 'node server.js' } };
    expect(kinds(plan({ release, instances: [old] }))).toEqual(['start web.1@h1 v2']);

    const starting = instance({ id: 'new', releaseVersion: 2, state: 'starting' });
    expect(plan({ release, instances: [old, starting] })).toEqual([]);

    const crashed = instance({ id: 'new', releaseVersion: 2, state: 'crashed', restarts: 5, updatedAt: iso(T0 + 900) });
    expect(plan({ release, instances: [old, crashed] })).toEqual([]);

    const up = instance({ id: 'new', releaseVersion: 2, state: 'up' });
    expect(kinds(plan({ release, instances: [old, up] }))).toEqual(['stop old']);
  });

  it('restarts a crashed instance at once, then with growing delays', () => {
    const first = instance({ id: 'c', state: 'crashed', restarts: 0, updatedAt: iso(T0 + 999) });
    const actions = plan({ instances: [first] });
    expect(kinds(actions)).toEqual(['stop c', 'start web.1@h1 v1']);
    expect(actions[1]).toMatchObject({ restarts: 1 });

    const looping = instance({ id: 'c', state: 'crashed', restarts: 4, createdAt: iso(T0), updatedAt: iso(T0 + 500) });
    // restarts=4 → 4 s delay: not yet at T0+1000
    expect(plan({ instances: [looping] })).toEqual([]);
    expect(kinds(plan({ instances: [looping], now: T0 + 4500 }))).toEqual(['stop c', 'start web.1@h1 v1']);
  });

  it('replaces instances of a lost host on a live one', () => {
    const lost = instance({ id: 'lost', hostId: 'h1' });
    const actions = plan({ instances: [lost], hosts: [host('h1', 'down'), host('h2')] });
    expect(kinds(actions)).toEqual(['start web.1@h2 v1']);
  });

  it('keeps the records of a down host, and stops the surplus one when the host comes back', () => {
    const quiet = instance({ id: 'quiet', hostId: 'h1', createdAt: iso(T0) });
    const replacement = instance({ id: 'replacement', hostId: 'h2', createdAt: iso(T0 + 500) });
    expect(plan({ instances: [quiet, replacement], hosts: [host('h1', 'down'), host('h2')] })).toEqual([]);
    expect(kinds(plan({ instances: [quiet, replacement], hosts: [host('h1'), host('h2')] }))).toEqual(['stop quiet']);
  });

  it('forgets the instances of a host that no longer exists', () => {
    const orphaned = instance({ id: 'orphaned', hostId: 'removed' });
    expect(kinds(plan({ instances: [orphaned], hosts: [host('h2')] }))).toEqual(['forget orphaned', 'start web.1@h2 v1']);
  });

  it('moves instances off a draining host, stopping them once replacements are up', () => {
    const hosts = [host('h1', 'draining'), host('h2')];
    const onDraining = instance({ id: 'd', hostId: 'h1' });
    expect(kinds(plan({ instances: [onDraining], hosts }))).toEqual(['start web.1@h2 v1']);
    const moved = instance({ id: 'm', hostId: 'h2' });
    expect(kinds(plan({ instances: [onDraining, moved], hosts }))).toEqual(['stop d']);
  });

  it('restarts without downtime: a retiring instance stops once its replacement is up', () => {
    const retiring = instance({ id: 'r', retiring: true });
    expect(kinds(plan({ instances: [retiring] }))).toEqual(['start web.1@h1 v1']);
    const fresh = instance({ id: 'f', state: 'up' });
    expect(kinds(plan({ instances: [retiring, fresh] }))).toEqual(['stop r']);
  });

  it('spreads an app over hosts', () => {
    const actions = plan({ formation: web(3), hosts: [host('h1'), host('h2'), host('h3')] });
    expect(kinds(actions)).toEqual(['start web.1@h1 v1', 'start web.2@h2 v1', 'start web.3@h3 v1']);
  });

  it('does not count a crashed instance against its host when placing its replacement', () => {
    const hosts = [host('h1'), host('h2')];
    const crashed = instance({ id: 'c', index: 1, hostId: 'h1', state: 'crashed' });
    const other = instance({ id: 'o', index: 2, hostId: 'h2' });
    expect(kinds(plan({ formation: web(2), hosts, instances: [crashed, other] }))).toEqual(['stop c', 'start web.1@h1 v1']);
  });

  it('reports instances no host has room for', () => {
    const actions = plan({ hosts: [host('h1', 'up', 256)] });
    expect(kinds(actions)).toEqual(['unplaceable web.1']);
  });

  it('stops everything of a process type the release no longer has', () => {
    const worker = instance({ id: 'w', type: 'worker' });
    const formation: FormationEntry[] = [...web(0), { type: 'worker', quantity: 1, size: 'basic' }];
    expect(kinds(plan({ instances: [worker], formation }))).toEqual(['stop w']);
  });

  it('forgets down instances and retries stops that did not finish', () => {
    const down = instance({ id: 'x', state: 'down' });
    const stuck = instance({ id: 'y', index: 2, state: 'stopping', updatedAt: iso(T0 - 60_000) });
    const fresh = instance({ id: 'z', index: 3, state: 'stopping', updatedAt: iso(T0) });
    const running = instance({ id: 'a' });
    expect(kinds(plan({ instances: [down, stuck, fresh, running] }))).toEqual(['forget x', 'stop y']);
  });

  it('runs nothing without a release', () => {
    const running = instance({ id: 'a' });
    expect(kinds(plan({ release: null, instances: [running] }))).toEqual(['stop a']);
  });
});

describe('rolloutStatus', () => {
  const release = { version: 2, processTypes: { web: 'x' } };

  it('is pending until every wanted instance is up, then done', () => {
    expect(rolloutStatus(release, web(2), [])).toEqual({ state: 'pending' });
    const one = instance({ releaseVersion: 2, index: 1 });
    expect(rolloutStatus(release, web(2), [one])).toEqual({ state: 'pending' });
    const two = instance({ releaseVersion: 2, index: 2 });
    expect(rolloutStatus(release, web(2), [one, two])).toEqual({ state: 'done' });
  });

  it('fails with the crash reason', () => {
    const crashed = instance({ releaseVersion: 2, state: 'crashed', reason: 'exited with code 1' });
    expect(rolloutStatus(release, web(1), [crashed])).toEqual({ state: 'failed', reason: 'web.1 crashed: exited with code 1' });
  });

  it('ignores instances of other releases', () => {
    const old = instance({ releaseVersion: 1 });
    expect(rolloutStatus(release, web(1), [old])).toEqual({ state: 'pending' });
  });
});
