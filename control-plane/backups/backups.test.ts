// pg:backups end to end below the HTTP layer, all real: the control plane's Backups over Redis,
// its requests over NATS to the agent's command server, the agent's AddonBackups running pg_dump
// and pg_restore in a PostgreSQL add-on container on Docker, the dumps in an S3 server (moto).
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import Docker from 'dockerode';
import { connect, type NatsConnection } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandServer } from '../../agent/commands.js';
import { removeHostLeftovers, serveAddonHost, uniqueHostId } from '../../agent/testing/agent-fixtures.js';
import { ensureAddonImage } from '../../buildpacks/addons/images.js';
import { ensureStack } from '../../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import { addonService } from '../../common/addons.js';
import { silentLogger } from '../../common/logger.js';
import { freePort } from '../../common/ports.js';
import type { RunningService } from '../../supervisor/services.js';
import { useTestRedis } from '../../test/support/redis.js';
import { startTestS3, type TestS3 } from '../../test/support/s3-server.js';
import { startTestNats, startTestRegistry } from '../../test/support/services.js';
import { NatsAgentClient } from '../agents/client.js';
import type { AddonRecord } from '../store/addons.js';
import { Backups } from './service.js';
import { BackupStore } from './store.js';

describe('pg:backups on a real PostgreSQL add-on, NATS, Redis and S3', () => {
  const redis = useTestRedis();
  const docker = new Docker();
  const hostId = uniqueHostId('pgbackups');
  const addonId = `pg-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const platformKey = randomBytes(32);
  let registry: RunningService;
  let natsServer: RunningService;
  let s3: TestS3;
  let nats: NatsConnection;
  let agentSide: NatsConnection;
  let commands: CommandServer;
  let addon: AddonRecord;
  let url: string;

  const backupsWith = (storage = s3.storage) =>
    new Backups({ store: new BackupStore(redis()), agents: new NatsAgentClient(nats), storage, key: platformKey, logger: silentLogger(), addonById: async (id) => (id === addon.id ? addon : null) });
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const objectKeys = async () => ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.storage.bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  const captured = async (backups: Backups) => {
    const started = await backups.capture(addon);
    expect(started.status).toBe('pending');
    return backups.finished(addon.id, started.id)!;
  };

  beforeAll(async () => {
    [registry, natsServer, s3] = await Promise.all([startTestRegistry(), startTestNats(), startTestS3()]);
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    const image = await ensureAddonImage(docker, config, stack, addonService('postgresql')!, () => {});
    [nats, agentSide] = await Promise.all([connect({ servers: natsServer.url }), connect({ servers: natsServer.url })]);
    const served = serveAddonHost(agentSide, docker, registry.url.replace(/^https?:\/\//, ''), hostId);
    commands = served.commands;
    const env = { ADDON_USER: 'u_app', ADDON_PASSWORD: password, ADDON_DATABASE: 'd_app' };
    const run = await served.manager.run({ addonId, name: 'postgresql-cp-backups', service: 'postgresql', image, env, memoryMb: 256, cpus: 0.5 });
    if (!run.ok) throw new Error(run.error);
    url = `postgres://u_app:${password}@127.0.0.1:${run.port}/d_app`;
    const at = new Date().toISOString();
    addon = {
      id: addonId,
      name: 'postgresql-cp-backups',
      service: 'postgresql',
      plan: 'postgresql:mini',
      appId: 'app-1',
      hostId,
      address: '127.0.0.1',
      port: run.port!,
      image,
      credentials: { user: 'u_app', password, database: 'd_app' },
      state: 'provisioned',
      createdAt: at,
      updatedAt: at,
    };
  }, 30 * 60_000);

  afterAll(async () => {
    await commands?.close();
    await Promise.all([nats?.close(), agentSide?.close()]);
    await removeHostLeftovers(docker, [hostId]);
    await Promise.all([registry?.stop(), natsServer?.stop(), s3?.stop()]);
  });

  it('captures b001, restores it after a table is dropped, and downloads it decrypted', async () => {
    const backups = backupsWith();
    await query("CREATE TABLE orders (id serial PRIMARY KEY, item text); INSERT INTO orders (item) SELECT 'item ' || n FROM generate_series(1, 2000) n");
    const b001 = await captured(backups);
    expect(b001).toMatchObject({ id: 'b001', status: 'succeeded', error: null, bytes: expect.any(Number), startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(await backups.get(addon, 'b001')).toEqual(b001);
    expect(await objectKeys()).toEqual([b001.objectKey]);

    await query('DROP TABLE orders');
    await expect(backups.restore(addon, 'latest')).resolves.toMatchObject({ id: 'b001' });
    expect(await query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2000 }]);

    const dump = await buffer(await backups.download(addon, 'b001'));
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');
  }, 300_000);

  it('records a capture to a store that is down as failed, in words, with no object', async () => {
    const before = await objectKeys();
    const down = backupsWith({ ...s3.storage, endpoint: `http://127.0.0.1:${await freePort()}` });
    const failed = await captured(down);
    expect(failed).toMatchObject({ status: 'failed', bytes: null, error: expect.stringMatching(/^the object store: .*ECONNREFUSED/), finishedAt: expect.any(String) });
    expect(await down.get(addon, failed.id)).toEqual(failed);
    expect(await objectKeys()).toEqual(before);
    await expect(down.restore(addon, failed.id)).rejects.toMatchObject({ status: 422 });
    // a failed one goes with delete; there is no object to remove
    await expect(backupsWith().delete(addon, failed.id)).resolves.toMatchObject({ id: failed.id });
    await expect(backupsWith().get(addon, failed.id)).rejects.toMatchObject({ status: 404 });
  }, 120_000);

  it('refuses backups of a partner’s add-on (422) before recording any', async () => {
    const partnerAddon = { ...addon, id: 'partner-addon', name: 'mylog-tidy-1', service: 'mylog', plan: 'mylog:test', partner: {} } as AddonRecord;
    await expect(backupsWith().capture(partnerAddon)).rejects.toMatchObject({ status: 422, message: expect.stringContaining('runs at its partner') });
    expect(await backupsWith().list(partnerAddon)).toEqual([]);
  });

  it('keeps the plan’s last N succeeded backups (mini: 2), deleting older objects and records', async () => {
    const backups = backupsWith();
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await captured(backups)).id);
    const kept = (await backups.list(addon)).filter((b) => b.status === 'succeeded');
    expect(kept.map((b) => b.id)).toEqual(ids);
    expect(await objectKeys()).toEqual(kept.map((b) => b.objectKey).sort());
    await expect(backups.get(addon, 'b001')).rejects.toMatchObject({ status: 404 });
  }, 300_000);

  it('takes a due schedule’s run once across two control planes, and not again that day', async () => {
    const [one, two] = [backupsWith(), backupsWith()];
    await one.schedule(addon, '00:00 UTC');
    // a schedule made now is first due tomorrow
    expect(await one.runDueSchedules(new Date())).toEqual([]);
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const [a, b] = await Promise.all([one.runDueSchedules(tomorrow), two.runDueSchedules(tomorrow)]);
    const started = [...a, ...b];
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ trigger: 'scheduled' });
    const done = await (one.finished(addon.id, started[0]!.id) ?? two.finished(addon.id, started[0]!.id))!;
    expect(done.status).toBe('succeeded');
    expect(await one.runDueSchedules(new Date(tomorrow.getTime() + 60_000))).toEqual([]);
    await one.unschedule(addon);
    await expect(one.unschedule(addon)).rejects.toMatchObject({ status: 404 });
  }, 300_000);

  it('records a capture abandoned by a stopped control plane as failed when next read', async () => {
    const store = new BackupStore(redis());
    const longAgo = new Date(Date.now() - 7 * 3600_000).toISOString();
    await store.save({ id: 'b900', addonId: addon.id, addonName: addon.name, status: 'running', error: null, bytes: null, objectKey: 'x', salt: 's', trigger: 'manual', createdAt: longAgo, startedAt: longAgo, finishedAt: null });
    const backups = backupsWith();
    expect(await backups.get(addon, 'b900')).toMatchObject({ status: 'failed', error: expect.stringMatching(/control plane .* stopped/) });
    expect(await store.get(addon.id, 'b900')).toMatchObject({ status: 'failed' });
    await backups.delete(addon, 'b900');
  });

  it('purges a destroyed add-on’s backups: objects, records, schedule and numbering', async () => {
    const backups = backupsWith();
    await backups.schedule(addon, '03:00 UTC');
    expect((await objectKeys()).length).toBeGreaterThan(0);
    await backups.purge(addon.id);
    expect(await objectKeys()).toEqual([]);
    expect(await backups.list(addon)).toEqual([]);
    expect(await backups.scheduleOf(addon)).toBeNull();
    expect((await captured(backups)).id).toBe('b001');
  }, 300_000);
});
