// Add-on backups for real: a PostgreSQL and a Redis add-on container (images built from the
// stack's Debian packages) run by the agent's AddonManager, dumped by AddonBackups into a real S3
// server (moto), encrypted on the way; restored back after a table is dropped or the keys flushed;
// tampered backups refused with the data unchanged.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import { buffer } from 'node:stream/consumers';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAddonImage } from '../buildpacks/addons/images.js';
import { ensureStack } from '../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../buildpacks/testing/build-fixtures.js';
import { addonService } from '../common/addons.js';
import { backupKey, decryptingStream, encryptingStream } from '../common/backups/encryption.js';
import { silentLogger } from '../common/logger.js';
import { freePort } from '../common/ports.js';
import type { AddonBackupRequest } from '../common/protocol.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestS3, type TestS3 } from '../test/support/s3-server.js';
import { startTestRegistry } from '../test/support/services.js';
import { dumpExec, rdbCheckError, REDIS_COMMIT_EXEC, REDIS_STAGE_EXEC, redisSnapshotExec, restoreExec } from './addon-backup-commands.js';
import { AddonBackups } from './addon-backups.js';
import { addonSelector } from './addon-spec.js';
import { FakeEngine } from './testing/fake-engine.js';
import { ADDON_LABELS } from '../common/labels.js';
import { AddonManager } from './addons.js';
import { DockerContainerEngine } from './docker-engine.js';
import { removeHostLeftovers, uniqueHostId } from './testing/agent-fixtures.js';

describe('backup commands, as data', () => {
  it('keep the password out of argv and restore in one transaction, owned by the add-on’s user', () => {
    const creds = { user: 'u1', password: 'secret-pw', database: 'd1' };
    for (const { argv, env } of [dumpExec(creds), restoreExec(creds)]) {
      expect(JSON.stringify(argv)).not.toContain('secret-pw');
      expect(env).toEqual({ ADDON_USER: 'u1', PGPASSWORD: 'secret-pw', ADDON_BACKUP_DATABASE: 'd1' });
    }
    expect(dumpExec(creds).argv.join(' ')).toContain('pg_dump" -Fc');
    expect(restoreExec(creds).argv.join(' ')).toMatch(/--clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error/);
  });

  it('snapshot Redis through a file (exact RDB), with the password in the environment; stage, then commit only a checked RDB', () => {
    const snapshot = redisSnapshotExec({ password: 'secret-pw' });
    expect(JSON.stringify(snapshot.argv)).not.toContain('secret-pw');
    expect(snapshot.env).toEqual({ REDISCLI_AUTH: 'secret-pw' });
    expect(snapshot.argv[2]).toContain('--rdb "$snapshot" >&2');
    expect(REDIS_STAGE_EXEC.argv[2]).toMatch(/cat > \/app\/slipway-restore\.rdb\.partial$/);
    expect(REDIS_COMMIT_EXEC.argv[2]).toMatch(/redis-check-rdb \/app\/slipway-restore\.rdb\.partial.*\n.*mv \/app\/slipway-restore\.rdb\.partial \/app\/slipway-restore\.rdb$/s);
    expect(rdbCheckError('[offset 0] Checking RDB file x\n--- RDB ERROR DETECTED ---\n[offset 9] Wrong signature trying to load DB from file\n[info] 0 keys read\n')).toBe('[offset 9] Wrong signature trying to load DB from file');
    expect(rdbCheckError('mv: cannot move\n')).toBe('mv: cannot move');
  });
});

describe('a Redis server made before restores were possible', () => {
  it('refuses a restore in words, before anything is read or staged', async () => {
    const engine = new FakeEngine();
    engine.images.add('redis-image');
    // made by an older agent: the start script that loads a staged snapshot, and its label, are missing
    const id = await engine.createContainer({ Image: 'redis-image', Labels: { ...addonSelector('h1', 'old-redis'), [ADDON_LABELS.service]: 'redis' } });
    await engine.startContainer(id);
    const restarts: string[] = [];
    const backups = new AddonBackups({ host: { hostId: 'h1', registry: 'r', address: '127.0.0.1' }, engine, log: silentLogger(), servers: { restart: async (addonId) => (restarts.push(addonId), { ok: true }) } });
    const storage = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true };
    const refused = await backups.restore({ addonId: 'old-redis', user: '', password: 'pw', database: '', storage, objectKey: 'o', key: randomBytes(32).toString('base64') });
    expect(refused).toEqual({ ok: false, error: expect.stringContaining('made before restores were possible: make it again (addons:upgrade to another plan, or addons:move)') });
    expect(restarts).toEqual([]);
  });
});

describe('PostgreSQL add-on backups on Docker and S3', () => {
  const docker = new Docker();
  const hostId = uniqueHostId('backups');
  const addonId = `pg-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const platformKey = randomBytes(32);
  let registry: RunningService;
  let s3: TestS3;
  let backups: AddonBackups;
  let url: string;

  const request = (objectKey: string, overrides: Partial<AddonBackupRequest> = {}): AddonBackupRequest => ({
    addonId,
    user: 'u_backup',
    password,
    database: 'd_backup',
    storage: s3.storage,
    objectKey,
    key: backupKey(platformKey, objectKey).toString('base64'),
    ...overrides,
  });
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const objectKeys = async () => ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.storage.bucket }))).Contents ?? []).map((o) => o.Key);
  const stored = async (key: string) => buffer((await s3.client.send(new GetObjectCommand({ Bucket: s3.storage.bucket, Key: key }))).Body as Readable);

  beforeAll(async () => {
    [registry, s3] = await Promise.all([startTestRegistry(), startTestS3()]);
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    const image = await ensureAddonImage(docker, config, stack, addonService('postgresql')!, () => {});
    const host = { hostId, registry: registry.url.replace(/^https?:\/\//, ''), address: '127.0.0.1' };
    const engine = new DockerContainerEngine(docker, hostId);
    const manager = new AddonManager({ host, engine, log: silentLogger() });
    backups = new AddonBackups({ host, engine, log: silentLogger(), servers: manager });
    const env = { ADDON_USER: 'u_backup', ADDON_PASSWORD: password, ADDON_DATABASE: 'd_backup' };
    const run = await manager.run({ addonId, name: 'postgresql-backup-test', service: 'postgresql', image, env, memoryMb: 256, cpus: 0.5 });
    if (!run.ok) throw new Error(run.error);
    url = `postgres://u_backup:${password}@127.0.0.1:${run.port}/d_backup`;
  }, 30 * 60_000);

  afterAll(async () => {
    await removeHostLeftovers(docker, [hostId]);
    await Promise.all([registry?.stop(), s3?.stop()]);
  });

  it('captures an encrypted dump, restores it after a table is dropped, and refuses a tampered one without changing anything', async () => {
    await query("CREATE TABLE notes (id serial PRIMARY KEY, body text); INSERT INTO notes (body) SELECT 'note ' || n FROM generate_series(1, 5000) n");

    const captured = await backups.capture(request('a/b001'));
    expect(captured).toEqual({ ok: true, bytes: expect.any(Number) });
    const object = await stored('a/b001');
    expect(object.length).toBe(captured.bytes);
    // the store holds ciphertext only: no dump header, no row
    expect(object.subarray(0, 8).toString()).toBe('SLWYBK01');
    expect(object.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(object.includes(Buffer.from('note 4999'))).toBe(false);
    const dump = await buffer(Readable.from([object]).pipe(decryptingStream(backupKey(platformKey, 'a/b001'))));
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');

    await query('DROP TABLE notes');
    expect(await backups.restore(request('a/b001'))).toEqual({ ok: true });
    expect(await query('SELECT count(*)::int AS n, max(body) AS last FROM notes')).toEqual([{ n: 5000, last: 'note 999' }]);

    // a tampered object: refused, and the single transaction leaves the database as it was
    await query("INSERT INTO notes (body) VALUES ('after the backup')");
    const tampered = Buffer.from(object);
    tampered[tampered.length - 40] = tampered[tampered.length - 40]! ^ 0xff;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.storage.bucket, Key: 'a/tampered', Body: tampered }));
    const refused = await backups.restore(request('a/tampered', { key: backupKey(platformKey, 'a/b001').toString('base64') }));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/damaged or was altered/) });
    expect(await query('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 5001 }]);
  }, 300_000);

  it('a capture to a store that is down fails in words and leaves no object', async () => {
    const before = await objectKeys();
    const down = { ...s3.storage, endpoint: `http://127.0.0.1:${await freePort()}` };
    const failed = await backups.capture(request('a/b002', { storage: down }));
    expect(failed).toEqual({ ok: false, error: expect.stringMatching(/^the object store: .*ECONNREFUSED/) });
    expect(await objectKeys()).toEqual(before);
    // a capture with the wrong database password fails as pg_dump's, and leaves nothing either
    const refused = await backups.capture(request('a/b003', { password: 'not-the-password' }));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/^pg_dump exited with 1: .*password authentication failed/) });
    expect(await objectKeys()).toEqual(before);
  }, 120_000);
});

describe('Redis add-on backups on Docker and S3', () => {
  const docker = new Docker();
  const hostId = uniqueHostId('rbackups');
  const addonId = `redis-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const platformKey = randomBytes(32);
  const KEYS = 10_000;
  let registry: RunningService;
  let s3: TestS3;
  let manager: AddonManager;
  let backups: AddonBackups;
  let engine: DockerContainerEngine;
  let port: number;

  const request = (objectKey: string, overrides: Partial<AddonBackupRequest> = {}): AddonBackupRequest => ({
    addonId,
    user: '',
    password,
    database: '',
    storage: s3.storage,
    objectKey,
    key: backupKey(platformKey, objectKey).toString('base64'),
    ...overrides,
  });
  const redis = async <T>(use: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  };
  const objectKeys = async () => ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.storage.bucket }))).Contents ?? []).map((o) => o.Key);
  const stored = async (key: string) => buffer((await s3.client.send(new GetObjectCommand({ Bucket: s3.storage.bucket, Key: key }))).Body as Readable);
  const put = (key: string, body: Buffer) => s3.client.send(new PutObjectCommand({ Bucket: s3.storage.bucket, Key: key, Body: body }));
  const dataFiles = async () => {
    const [container] = await engine.listContainers({ 'io.slipway.addon': addonId });
    return (await engine.execInContainer(container!.id, ['ls', '-A', '/app'], {})).output.trim().split(/\s+/).sort();
  };
  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    console.log(`Redis ${what}: ${Math.round(performance.now() - started)} ms`);
    return result;
  };

  beforeAll(async () => {
    [registry, s3] = await Promise.all([startTestRegistry(), startTestS3()]);
    const config = testBuilderConfig(registry.url);
    const stack = await ensureStack(docker, config, () => {});
    const image = await ensureAddonImage(docker, config, stack, addonService('redis')!, () => {});
    const host = { hostId, registry: registry.url.replace(/^https?:\/\//, ''), address: '127.0.0.1' };
    engine = new DockerContainerEngine(docker, hostId);
    manager = new AddonManager({ host, engine, log: silentLogger() });
    backups = new AddonBackups({ host, engine, log: silentLogger(), servers: manager });
    const run = await manager.run({ addonId, name: 'redis-backup-test', service: 'redis', image, env: { ADDON_PASSWORD: password }, memoryMb: 128, cpus: 0.5 });
    if (!run.ok) throw new Error(run.error);
    port = run.port!;
  }, 30 * 60_000);

  afterAll(async () => {
    await removeHostLeftovers(docker, [hostId]);
    await Promise.all([registry?.stop(), s3?.stop()]);
  });

  it(`captures an encrypted RDB of ${KEYS} keys, and restores it after FLUSHALL: the keys back, later writes gone, and the data still append-only`, async () => {
    await redis(async (client) => {
      const batch = client.pipeline();
      for (let n = 1; n <= KEYS; n += 1) batch.set(`key:${n}`, `value ${n}`);
      batch.hset('profile:1', { name: 'Ada', lang: 'en' });
      batch.rpush('queue', 'a', 'b', 'c');
      await batch.exec();
    });

    const captured = await timed(`capture of ${KEYS} keys`, () => backups.capture(request('r/b001')));
    expect(captured).toEqual({ ok: true, bytes: expect.any(Number) });
    const object = await stored('r/b001');
    console.log(`Redis backup of ${KEYS} keys: ${object.length} bytes stored`);
    expect(object.length).toBe(captured.bytes);
    // the store holds ciphertext only: no RDB header, no key
    expect(object.subarray(0, 8).toString()).toBe('SLWYBK01');
    expect(object.includes(Buffer.from('REDIS0'))).toBe(false);
    expect(object.includes(Buffer.from('key:9999'))).toBe(false);
    const rdb = await buffer(Readable.from([object]).pipe(decryptingStream(backupKey(platformKey, 'r/b001'))));
    expect(rdb.subarray(0, 5).toString()).toBe('REDIS');
    // nothing left behind in the container
    expect(await dataFiles()).not.toContain('slipway-restore.rdb.partial');

    await redis(async (client) => {
      await client.flushall();
      await client.set('written-after-the-backup', 'x');
    });
    expect(await timed(`restore of ${KEYS} keys (server restarted)`, () => backups.restore(request('r/b001')))).toEqual({ ok: true });
    await redis(async (client) => {
      expect(await client.dbsize()).toBe(KEYS + 2);
      expect(await client.get('key:1')).toBe('value 1');
      expect(await client.get(`key:${KEYS}`)).toBe(`value ${KEYS}`);
      expect(await client.hgetall('profile:1')).toEqual({ name: 'Ada', lang: 'en' });
      expect(await client.lrange('queue', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await client.exists('written-after-the-backup')).toBe(0);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await client.set('written-after-the-restore', 'kept');
    });
    expect(await dataFiles()).not.toContain('slipway-restore.rdb');

    // the snapshot became the base of a new AOF: the restored keys and the writes since survive a restart
    const restarted = await manager.restart(addonId);
    expect(restarted).toMatchObject({ ok: true, port });
    await redis(async (client) => {
      expect(await client.dbsize()).toBe(KEYS + 3);
      expect(await client.get('written-after-the-restore')).toBe('kept');
    });
  }, 300_000);

  it('refuses a tampered, a cut-off and a non-RDB backup, changing nothing', async () => {
    const before = await redis(async (client) => ({ size: await client.dbsize(), one: await client.get('key:1') }));
    const object = await stored('r/b001');
    const key = backupKey(platformKey, 'r/b001').toString('base64');
    const tampered = Buffer.from(object);
    tampered[tampered.length - 40] = tampered[tampered.length - 40]! ^ 0xff;
    await put('r/tampered', tampered);
    // the final chunk dropped: every chunk before it authenticates, only the end is missing
    await put('r/cut', object.subarray(0, 12 + 4 + 64 * 1024 + 16));
    // well encrypted, but not an RDB: redis-check-rdb refuses it before it is committed
    const sealed = encryptingStream(backupKey(platformKey, 'r/garbage'));
    const garbage = buffer(sealed);
    await pipeline(Readable.from([Buffer.from('REDIS0010 but not really a snapshot')]), sealed);
    await put('r/garbage', await garbage);

    expect(await backups.restore(request('r/tampered', { key }))).toEqual({ ok: false, error: expect.stringMatching(/damaged or was altered/) });
    expect(await backups.restore(request('r/cut', { key }))).toEqual({ ok: false, error: expect.stringMatching(/damaged or was altered: cut off/) });
    expect(await backups.restore(request('r/garbage'))).toEqual({ ok: false, error: expect.stringMatching(/^the backup is not a Redis snapshot: \[offset \d+\]/) });
    expect(await redis(async (client) => ({ size: await client.dbsize(), one: await client.get('key:1') }))).toEqual(before);
    expect(await dataFiles()).not.toContain('slipway-restore.rdb.partial');
    expect(await dataFiles()).not.toContain('slipway-restore.rdb');
    // nor does a restart find anything staged
    expect(await manager.restart(addonId)).toMatchObject({ ok: true });
    expect(await redis(async (client) => ({ size: await client.dbsize(), one: await client.get('key:1') }))).toEqual(before);
  }, 300_000);

  it('why a restore becomes the AOF’s base: Redis 7.0 with appendonly on and no AOF ignores dump.rdb and starts empty', async () => {
    const [container] = await engine.listContainers({ 'io.slipway.addon': addonId });
    // a second server in the add-on's container, on a socket in a scratch directory holding only a dump.rdb
    const script = [
      'set -e',
      'd=$(mktemp -d)',
      'redis-cli -p "$ADDON_PORT" --no-auth-warning --rdb "$d/dump.rdb" >/dev/null 2>&1',
      'unset REDISCLI_AUTH', // the scratch server has no password
      'for aof in yes no; do',
      '  redis-server --port 0 --unixsocket "$d/s" --dir "$d" --appendonly "$aof" --save "" --daemonize yes --logfile "$d/log"',
      '  until redis-cli -s "$d/s" ping >/dev/null 2>&1; do sleep 0.05; done',
      '  printf "appendonly %s: %s keys\\n" "$aof" "$(redis-cli -s "$d/s" dbsize)"',
      '  redis-cli -s "$d/s" shutdown nosave >/dev/null 2>&1 || true',
      '  while [ -e "$d/s" ]; do sleep 0.05; done',
      '  rm -rf "$d/appendonlydir"',
      'done',
      'rm -rf "$d"',
    ].join('\n');
    const result = await engine.execInContainer(container!.id, ['/bin/sh', '-c', script], { REDISCLI_AUTH: password });
    const size = await redis((client) => client.dbsize());
    expect(result.output.trim().split('\n')).toEqual(['appendonly yes: 0 keys', `appendonly no: ${size} keys`]);
  }, 120_000);

  it('a capture with the wrong password fails as redis-cli’s, and leaves no object', async () => {
    const before = await objectKeys();
    const refused = await backups.capture(request('r/b002', { password: 'not-the-password' }));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/^redis-cli exited with 1: .*WRONGPASS/) });
    expect(await objectKeys()).toEqual(before);
  }, 120_000);
});
