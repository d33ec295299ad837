// Metered usage on real Redis: dyno time from instance records (flushed while running, closed at
// a crash or removal), one-off and build time, each stretch written once; and the billing
// forwarder through a receiver outage and a forwarder that stops mid-way (a control plane that
// died), over the real delivery queue to a real webhook receiver on loopback.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import { freePort } from '../../common/ports.js';
import type { App, Instance, User } from '../../common/types.js';
import { startTestRedis } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.js';
import type { RunningService } from '../../supervisor/services.js';
import { DEFAULT_DELIVERY_SETTINGS, DeliveryQueue, DeliveryWorker } from '../delivery/queue.js';
import { destinationSender, webhookSender } from '../delivery/senders.js';
import { AddonStore, type AddonRecord } from '../store/addons.js';
import { AppStore } from '../store/apps.js';
import { InstanceStore } from '../store/instances.js';
import { OneOffStore } from '../store/one-offs.js';
import { BillingForwarder } from './billing-forwarder.js';
import { summarize, usageRecord } from './records.js';
import { Usage } from './service.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const SECRET = `whsec_${Buffer.from('billing secret of thirty-two b..').toString('base64')}`;
const owner: User = { id: 'u-usage', email: 'ann@example.com', admin: false, createdAt: new Date(T0).toISOString() };

describe('metered usage', () => {
  let service: RunningService;
  let redis: Redis;
  let clock = T0;
  let usage: Usage;
  let instances: InstanceStore;
  let app: App;
  const connections: Redis[] = [];
  const connection = () => {
    const c = new Redis(service.url);
    connections.push(c);
    return c;
  };
  const instance = (id: string, over: Partial<Instance> = {}): Instance => ({
    id, appId: app.id, appName: app.name, type: 'web', index: 1, releaseVersion: 1, hostId: 'h1', size: 'basic', state: 'starting',
    port: null, exitCode: null, reason: null, restarts: 0, createdAt: new Date(clock).toISOString(), updatedAt: new Date(clock).toISOString(), ...over,
  });
  /** Whether the billing group has read and acknowledged everything in the ledger. */
  const forwardedAll = async () => {
    const [last] = await redis.xrevrange('slipway:usage:ledger', '+', '-', 'COUNT', 1);
    const [group] = (await redis.xinfo('GROUPS', 'slipway:usage:ledger')) as unknown[][];
    const field = (name: string) => group![group!.indexOf(name) + 1];
    return Boolean(last) && field('last-delivered-id') === last![0] && Number(field('pending')) === 0;
  };
  const at = (seconds: number) => {
    clock = T0 + seconds * 1000;
  };

  beforeAll(async () => {
    service = await startTestRedis();
    redis = connection();
    const apps = new AppStore(redis, 'bookworm');
    app = await apps.create('metered', owner);
    instances = new InstanceStore(redis);
    usage = new Usage({ redis, apps, instances, now: () => clock, warn: (message, context) => console.error(message, context) });
  });
  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await service?.stop();
  });

  it('meters a dyno from asked to start until removed, in stretches closed at each flush', async () => {
    at(0);
    await instances.save(instance('i1'));
    at(5);
    await instances.update('i1', () => ({ state: 'up' }));
    at(30);
    await usage.flush();
    at(90);
    await instances.remove({ id: 'i1', appId: app.id, hostId: 'h1' });
    const records = (await usage.read({ appId: app.id }, T0, T0 + 3600_000)).filter((r) => r.key.startsWith('dyno:i1:'));
    expect(records.map((r) => [r.start, r.end, r.seconds])).toEqual([
      ['2026-12-01T12:00:00.000Z', '2026-12-01T12:00:30.000Z', 30],
      ['2026-12-01T12:00:30.000Z', '2026-12-01T12:01:30.000Z', 60],
    ]);
    expect(records.every((r) => r.account === 'user:u-usage' && r.processType === 'web' && r.size === 'basic')).toBe(true);
  });

  it('stops metering at a crash and starts again at the restart', async () => {
    at(0);
    await instances.save(instance('i2', { type: 'worker', size: 'standard' }));
    at(12);
    await instances.update('i2', () => ({ state: 'crashed', exitCode: 1 }));
    at(20);
    await usage.flush(); // a crashed dyno costs nothing
    await instances.update('i2', () => ({ state: 'starting' }));
    at(25);
    await instances.remove({ id: 'i2', appId: app.id, hostId: 'h1' });
    const seconds = (await usage.read({ appId: app.id }, T0, T0 + 3600_000)).filter((r) => r.key.startsWith('dyno:i2:')).map((r) => r.seconds);
    expect(seconds).toEqual([12, 5]);
  });

  it('meters one-off dynos as they end, and builds; a stretch is written once', async () => {
    const oneOffs = new OneOffStore(redis);
    oneOffs.onRemoved = (record) => usage.oneOffEnded(record);
    at(100);
    await oneOffs.save({ runId: 'r1', appId: app.id, number: 1, command: 'bash', size: 'basic', releaseVersion: 1, hostId: 'h1', expiresAtMs: clock + 3600_000 });
    // its start is the record's createdAt (the real clock's): it ends 42 s after
    const saved = JSON.parse((await redis.hvals(`slipway:app:${app.id}:one-offs`))[0]!) as { createdAt: string };
    clock = Date.parse(saved.createdAt) + 42_000;
    await oneOffs.remove({ runId: 'r1', appId: app.id, hostId: 'h1' });
    await oneOffs.remove({ runId: 'r1', appId: app.id, hostId: 'h1' }); // removed twice, told once
    await usage.build(app, 'b1', T0 + 200_000, T0 + 263_500);
    await usage.build(app, 'b1', T0 + 200_000, T0 + 263_500);
    expect(await usage.ledger.append(usageRecord({ key: 'build:b1', account: 'user:u-usage', appId: app.id, appName: app.name, kind: 'build', processType: 'build', size: null }, T0, T0 + 1000))).toBe(false);
    const lines = summarize(await usage.read({ account: 'user:u-usage' }, 0, Date.now() + 3600_000), 0, Date.now() + 3600_000);
    expect(lines.find((l) => l.kind === 'one-off')).toMatchObject({ processType: 'run', size: 'basic' });
    expect(lines.find((l) => l.kind === 'one-off')!.seconds).toBeCloseTo(42, 0);
    expect(lines.find((l) => l.kind === 'build')).toEqual({ appName: 'metered', kind: 'build', processType: 'build', size: null, seconds: 63.5, requests: 0, bytes: 0 });
    expect(lines.find((l) => l.kind === 'dyno' && l.processType === 'web')!.seconds).toBe(90);
  });

  it('meters an add-on by plan from provisioned to destroyed, in stretches closed at each flush', async () => {
    const store = new AddonStore(redis);
    const metered = new Usage({ redis, apps: new AppStore(redis, 'bookworm'), instances, addons: store, now: () => clock, warn: (message, context) => console.error(message, context) });
    const addon: AddonRecord = {
      id: 'ad-1', name: 'postgresql-quiet-12345', service: 'postgresql', plan: 'postgresql:mini', appId: app.id, hostId: 'h1', address: '127.0.0.1', port: 40000,
      image: { repository: 'r', digest: 'd' }, credentials: { user: 'u', password: 'p', database: 'd' }, state: 'provisioned', createdAt: '', updatedAt: '',
    };
    await store.create(addon);
    at(1000);
    await metered.addons.provisioned(addon);
    await metered.addons.provisioned(addon); // told twice, one stretch
    at(1060);
    await metered.flush();
    at(1090);
    await metered.addons.destroyed(addon);
    await store.remove(addon);
    at(1200);
    await metered.flush(); // nothing open any more
    const records = (await metered.read({ appId: app.id }, T0, T0 + 3600_000)).filter((r) => r.kind === 'addon');
    expect(records.map((r) => [r.key, r.processType, r.seconds])).toEqual([
      ['addon:ad-1:' + String(T0 + 1_000_000), 'postgresql:mini', 60],
      ['addon:ad-1:' + String(T0 + 1_060_000), 'postgresql:mini', 30],
    ]);
  });

  it('delivers every record to billing once by id, through a receiver outage and a forwarder that died', async () => {
    const port = await freePort();
    const receiver = await startWebhookReceiver(SECRET, port);
    receiver.state.mode = 'error';
    await receiver.start();
    const queue = new DeliveryQueue(redis);
    const worker = new DeliveryWorker(connection(), 'cp-1', destinationSender(webhookSender(1_000, null), null), silentLogger(), { ...DEFAULT_DELIVERY_SETTINGS, firstRetryMs: 200, blockMs: 200, claimIdleMs: 1_500 });
    await worker.start();
    const webhook = { url: `http://127.0.0.1:${port}/billing`, secret: SECRET };
    const first = new BillingForwarder(connection(), queue, webhook, 'cp-1', silentLogger());
    await first.start();
    const keysWritten = (await usage.read({}, 0, Date.now() + 3600_000)).map((r) => `usage:${r.key}`);
    for (let n = 0; n < 3; n++) await usage.build(app, `late-${n}`, T0, T0 + 1000 + n);
    await waitFor('the first forwarder to queue all there was', forwardedAll);
    await first.stop();
    for (let n = 0; n < 3; n++) await usage.build(app, `after-${n}`, T0, T0 + 2000 + n);
    const second = new BillingForwarder(connection(), queue, webhook, 'cp-1', silentLogger());
    await second.start();
    receiver.state.mode = 'ok';
    const expected = (await usage.read({}, 0, Date.now() + 3600_000)).map((r) => `usage:${r.key}`);
    expect(expected.length).toBe(keysWritten.length + 6);
    await waitFor('every record at the receiver', async () => expected.every((id) => receiver.seen.has(id)), 30_000);
    expect([...receiver.seen.keys()].sort()).toEqual([...expected].sort());
    expect(receiver.state.badSignatures).toBe(0);
    const body = JSON.parse(receiver.state.bodies.find((b) => b.includes('"usage:build:b1"'))!) as { type: string; data: { seconds: number } };
    expect(body).toMatchObject({ type: 'usage.recorded', data: { seconds: 63.5 } });
    await second.stop();
    await worker.stop();
    await receiver.stop();
  });
});
