// PostgreSQL add-on backups for real: a PostgreSQL add-on container (image built from the stack's
// Debian packages) run by the agent's AddonManager, dumped by AddonBackups into a real S3 server
// (moto), encrypted on the way; restored back after a table is dropped.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAddonImage } from '../buildpacks/addons/images.js';
import { ensureStack } from '../buildpacks/stack/ensure.js';
import { testBuilderConfig } from '../buildpacks/testing/build-fixtures.js';
import { addonService } from '../common/addons.js';
import { backupKey, decryptingStream } from '../common/backups/encryption.js';
import { silentLogger } from '../common/logger.js';
import { freePort } from '../common/ports.js';
import type { AddonBackupRequest } from '../common/protocol.js';
import type { RunningService } from '../supervisor/services.js';
import { startTestS3, type TestS3 } from '../test/support/s3-server.js';
import { startTestRegistry } from '../test/support/services.js';
import { AddonBackups, dumpExec, restoreExec } from './addon-backups.js';
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
    backups = new AddonBackups({ host, engine, log: silentLogger() });
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
