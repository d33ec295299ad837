// pg:backups on the real platform (`npm start`'s launcher with SLIPWAY_BACKUPS_S3_ENDPOINT=local:
// moto on loopback): a PostgreSQL add-on captured through the API, a table dropped, the backup
// restored (after a refused confirmation), the dump downloaded decrypted, and another tenant
// unable to see any of it; a Redis add-on backed up and restored the same way.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { api, newHome, platformEnv, removePlatformImages, startPlatform, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);

describe('pg:backups through the Platform API', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let operator: ReturnType<typeof api>;
  let stranger: ReturnType<typeof api>;
  let home: string;
  let addon: { id: string; name: string } | undefined;
  let redisAddon: { id: string; name: string } | undefined;
  const measured: string[] = [];

  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    home = await newHome();
    env = await platformEnv(home, { SLIPWAY_BACKUPS_S3_ENDPOINT: 'local' });
    platform = await startPlatform(env);
    operator = api(platform.endpoints);
    expect((await operator('POST', '/apps', { name: 'ledger' })).status).toBe(201);
    const token = (await operator('POST', '/users', { email: 'stranger@example.com' })).body.token;
    stranger = api({ ...platform.endpoints, token });
  }, 20 * 60_000);

  afterAll(async () => {
    console.log(measured.join('\n'));
    const made = [addon, redisAddon].filter((a): a is { id: string; name: string } => a !== undefined);
    for (const one of made) await operator?.('DELETE', `/apps/ledger/addons/${one.id}`).catch(() => {});
    await platform?.stop().catch(() => {});
    for (const one of made) {
      const { stdout } = await exec('docker', ['ps', '-aq', '--filter', `label=io.slipway.addon=${one.id}`]).catch(() => ({ stdout: '' }));
      for (const container of stdout.split('\n').filter(Boolean)) await exec('docker', ['rm', '-f', '-v', container]).catch(() => {});
      const volumes = await exec('docker', ['volume', 'ls', '-q', '--filter', `label=io.slipway.addon=${one.id}`]).catch(() => ({ stdout: '' }));
      for (const volume of volumes.stdout.split('\n').filter(Boolean)) await exec('docker', ['volume', 'rm', '-f', volume]).catch(() => {});
    }
    await removePlatformImages(env);
    await rm(home, { recursive: true, force: true });
  });

  it('captures, restores after a confirmation, downloads a pg_dump archive, and keeps it from other tenants', async () => {
    const created = await operator('POST', '/apps/ledger/addons', { plan: 'heroku-postgresql:mini' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    addon = { id: created.body.id, name: created.body.name };
    // the URL names the add-on; its port is published on the host's private address (127.0.0.1 here)
    const url = new URL((await operator('GET', '/apps/ledger/config-vars')).body.DATABASE_URL);
    url.hostname = '127.0.0.1';
    await query(url.href, "CREATE TABLE entries (id serial PRIMARY KEY, amount int); INSERT INTO entries (amount) SELECT n FROM generate_series(1, 10000) n");

    const started = Date.now();
    const capture = await operator('POST', `/addons/${addon.name}/backups`, {});
    expect(capture).toMatchObject({ status: 202, body: { id: 'b001', status: 'pending', addon: { name: addon.name } } });
    const done = await waitFor('b001 to finish', async () => {
      const { body } = await operator('GET', `/addons/${addon!.name}/backups/b001`);
      return body.status === 'succeeded' || body.status === 'failed' ? body : null;
    });
    measured.push(`capture of 10,000 rows: ${Date.now() - started} ms, ${done.size_bytes} bytes stored`);
    expect(done).toMatchObject({ status: 'succeeded', error: null, size_bytes: expect.any(Number), trigger: 'manual' });
    expect((await operator('GET', `/addons/${addon.name}/backups`)).body.map((b: { id: string }) => b.id)).toEqual(['b001']);

    await query(url.href, 'DROP TABLE entries');
    const refused = await operator('POST', `/addons/${addon.name}/actions/restore`, { backup: 'b001', confirm: 'not-ledger' });
    expect(refused).toMatchObject({ status: 422, body: { id: 'confirmation_required', message: expect.stringMatching(/ledger/) } });
    const restoring = Date.now();
    expect(await operator('POST', `/addons/${addon.name}/actions/restore`, { backup: 'b001', confirm: 'ledger' })).toMatchObject({ status: 200, body: { id: 'b001' } });
    measured.push(`restore: ${Date.now() - restoring} ms`);
    expect(await query(url.href, 'SELECT count(*)::int AS n, sum(amount)::bigint AS total FROM entries')).toEqual([{ n: 10000, total: '50005000' }]);

    const download = await fetch(`${platform.endpoints.api}/addons/${addon.name}/backups/latest/download`, { headers: { authorization: `Bearer ${platform.endpoints.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    const dump = Buffer.from(await download.arrayBuffer());
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');

    // another tenant: not found, whatever it tries
    expect((await stranger('GET', `/addons/${addon.name}/backups`)).status).toBe(404);
    expect((await stranger('POST', `/addons/${addon.name}/backups`, {})).status).toBe(404);
    expect((await stranger('POST', `/addons/${addon.name}/actions/restore`, { backup: 'b001', confirm: 'ledger' })).status).toBe(404);

    // a schedule, then none
    expect(await operator('PUT', `/addons/${addon.name}/backup-schedule`, { at: '02:00 UTC' })).toMatchObject({ status: 200, body: { at: '02:00 UTC', retain: 2 } });
    expect((await operator('GET', '/apps/ledger/backup-schedules')).body).toHaveLength(1);
    expect((await operator('PUT', `/addons/${addon.name}/backup-schedule`, { at: '02:00 Europe/Paris' })).status).toBe(422);
    expect((await operator('DELETE', `/addons/${addon.name}/backup-schedule`)).status).toBe(200);

    expect((await operator('DELETE', `/addons/${addon.name}/backups/b001`)).status).toBe(200);
    expect((await operator('GET', `/addons/${addon.name}/backups/b001`)).status).toBe(404);
  }, 20 * 60_000);

  it('works from the CLI: capture, list, download to latest.dump, confirmation, schedule, retention of the plan’s last 2', async () => {
    const cliHome = await mkdtemp(join(tmpdir(), 'slipway-pgb-cli-'));
    try {
      const slipway = inProcessCli({ home: cliHome, cwd: cliHome });
      expect((await slipway(['login', '--api', platform.endpoints.api, '--token', '-'], { stdin: `${platform.endpoints.token}\n` })).code).toBe(0);
      for (const id of ['b002', 'b003', 'b004']) {
        const captured = await slipway(['pg:backups:capture', '-a', 'ledger']);
        expect(captured, captured.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`Backup ${id} of DATABASE completed`) });
      }
      // mini keeps the last 2 succeeded backups
      const listed = await slipway(['pg:backups', '-a', 'ledger']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^b004 .*Completed .*DATABASE$/m);
      expect(listed.stdout).toMatch(/^b003 /m);
      expect(listed.stdout).not.toMatch(/^b002 /m);
      expect((await slipway(['pg:backups:info', 'b002', '-a', 'ledger'])).code).toBe(1);

      expect((await slipway(['pg:backups:download', '-a', 'ledger'])).code).toBe(0);
      expect((await readFile(join(cliHome, 'latest.dump'))).subarray(0, 5).toString()).toBe('PGDMP');

      const unconfirmed = await slipway(['pg:backups:restore', 'b003', '-a', 'ledger']);
      expect(unconfirmed).toMatchObject({ code: 1, stderr: expect.stringContaining('--confirm ledger') });
      expect((await slipway(['pg:backups:restore', 'b003', '-a', 'ledger', '--confirm', 'ledger'])).code).toBe(0);

      expect((await slipway(['pg:backups:schedule', '--at', '03:30 UTC', '-a', 'ledger'])).stdout).toContain('daily backups of DATABASE at 03:30 UTC');
      expect((await slipway(['pg:backups:schedules', '-a', 'ledger'])).stdout).toMatch(/daily at 03:30 UTC \(keeps 2;/);
      expect((await slipway(['pg:backups:unschedule', '-a', 'ledger'])).code).toBe(0);
      expect((await slipway(['pg:backups:delete', 'b003', '-a', 'ledger', '--confirm', 'ledger'])).code).toBe(0);
      expect((await operator('GET', `/addons/${addon!.name}/backups`)).body.map((b: { id: string }) => b.id)).toEqual(['b004']);
    } finally {
      await rm(cliHome, { recursive: true, force: true });
    }
  }, 10 * 60_000);

  it('backs a Redis add-on up the same way: captured from the CLI by its attachment name, restored through the API after FLUSHALL, downloaded as an RDB', async () => {
    const created = await operator('POST', '/apps/ledger/addons', { plan: 'heroku-redis:mini' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    redisAddon = { id: created.body.id, name: created.body.name };
    const url = new URL((await operator('GET', '/apps/ledger/config-vars')).body.REDIS_URL);
    url.hostname = '127.0.0.1';
    const redis = new Redis(url.href, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // the server restarts during the restore
    const cliHome = await mkdtemp(join(tmpdir(), 'slipway-rb-cli-'));
    try {
      const batch = redis.pipeline();
      for (let n = 1; n <= 10_000; n += 1) batch.set(`entry:${n}`, String(n));
      await batch.exec();

      const slipway = inProcessCli({ home: cliHome, cwd: cliHome });
      expect((await slipway(['login', '--api', platform.endpoints.api, '--token', '-'], { stdin: `${platform.endpoints.token}\n` })).code).toBe(0);
      const started = Date.now();
      const captured = await slipway(['pg:backups:capture', 'REDIS', '-a', 'ledger']);
      expect(captured, captured.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('Backup b001 of REDIS completed') });
      measured.push(`Redis capture of 10,000 keys (CLI, polling each second): ${Date.now() - started} ms`);

      await redis.flushall();
      await redis.set('written-after-the-backup', '1');
      const restoring = Date.now();
      expect(await operator('POST', `/addons/${redisAddon.name}/actions/restore`, { backup: 'latest', confirm: 'ledger' })).toMatchObject({ status: 200, body: { id: 'b001' } });
      measured.push(`Redis restore of 10,000 keys (server restarted): ${Date.now() - restoring} ms`);
      // a new connection: the server restarted with the snapshot
      const after = new Redis(url.href, { maxRetriesPerRequest: 1 });
      try {
        expect(await after.dbsize()).toBe(10_000);
        expect(await after.get('entry:10000')).toBe('10000');
        expect(await after.exists('written-after-the-backup')).toBe(0);
      } finally {
        after.disconnect();
      }

      const download = await fetch(`${platform.endpoints.api}/addons/${redisAddon.name}/backups/b001/download`, { headers: { authorization: `Bearer ${platform.endpoints.token}` } });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toContain(`${redisAddon.name}-b001.rdb`);
      expect(Buffer.from(await download.arrayBuffer()).subarray(0, 5).toString()).toBe('REDIS');
      expect((await stranger('POST', `/addons/${redisAddon.name}/backups`, {})).status).toBe(404);
    } finally {
      redis.disconnect();
      await rm(cliHome, { recursive: true, force: true });
    }
  }, 10 * 60_000);
});
