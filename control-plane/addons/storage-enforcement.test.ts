// A PostgreSQL add-on's plan storage enforced, for real (API, Redis, NATS, an agent, Docker Engine,
// the add-on image built over the stack): on a 10 MB plan (an empty database is about 7.4 MB), a
// table filled past the limit; the check revokes write access; the app's user (an ordinary role,
// owning its tables) gets INSERT, UPDATE and CREATE refused with a clear error while reads, DELETE
// and TRUNCATE work, and the obvious ways around it are refused; DELETE + VACUUM and the next check
// give writes back; over again, a plan upgrade gives them back at once. pg:info and the app's log
// say so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBuilderConfig } from '../../buildpacks/testing/build-fixtures.js';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { silentLogger } from '../../common/logger.js';
import type { RunningService } from '../../supervisor/services.js';
import { apiClient, type TestControlPlane } from '../../test/support/control-plane.js';
import { startTestRegistry } from '../../test/support/services.js';
import { startTestPlatformWithPlans, type TestPlatformWithPlans } from '../../test/support/test-agent.js';
import { waitFor } from '../../test/support/wait.js';
import { BuildpacksBuilder } from '../builds/buildpacks-builder.js';
import type { StorageEnforcement } from './storage-enforcement.js';

const docker = new Docker();
const MIB = 1024 * 1024;

const PLANS_FILE = `
default: free
plans:
  - name: free
addons:
  postgresql:
    - name: tiny
      memory_mb: 256
      cpus: 0.5
      max_connections: 10
      storage_mb: 10
      default: true
    - name: roomy
      memory_mb: 256
      cpus: 0.5
      max_connections: 10
      storage_mb: 64
`;

/** Refused with Heroku's privilege error code and Slipway's words. */
const REVOKED = /write access revoked: the database is over its plan's storage limit \(10 MB, postgresql:tiny\)/;

describe('a PostgreSQL add-on over its plan’s storage', () => {
  let registry: RunningService;
  let cp: TestControlPlane;
  let platform: TestPlatformWithPlans;
  let alice: ReturnType<typeof apiClient>;
  let aliceToken: string;
  let addonName: string;
  let addonId: string;
  let url: string;
  let enforcement: StorageEnforcement;

  /** A session as the app's user, over the URL the app has (its host's address for the name). */
  const session = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    return client;
  };
  const refusal = (client: pg.Client, sql: string) => client.query(sql).then(() => null, (err: { code?: string; message: string; hint?: string }) => err);
  const fill = async (client: pg.Client, rows: number) =>
    // ~1 KB a row, below TOAST's compression threshold: about 1 MB per 1000 rows
    client.query(`INSERT INTO filler (body) SELECT repeat(md5(i::text || random()::text), 30) FROM generate_series(1, ${rows}) AS i`);
  const dataSize = async () => (await alice('GET', `/addons/${addonName}/info`)).body.data_size_bytes as number;

  beforeAll(async () => {
    registry = await startTestRegistry();
    const builder = new BuildpacksBuilder(docker, testBuilderConfig(registry.url), silentLogger());
    // the pass's own timer is left idle (an hour): the test runs the check when it means to
    platform = await startTestPlatformWithPlans(docker, registry.url, PLANS_FILE, { env: { SLIPWAY_ADDON_STORAGE_CHECK_SECONDS: '3600' }, overrides: { builder } });
    ({ cp } = platform);
    enforcement = cp.controlPlane.services.addonStorage!;
    const admin = apiClient(cp.url, cp.adminToken);
    aliceToken = (await admin('POST', '/users', { email: 'alice@example.com' })).body.token;
    alice = apiClient(cp.url, aliceToken);
    expect((await alice('POST', '/apps', { name: 'shop' })).status).toBe(201);
    const created = await alice('POST', '/apps/shop/addons', { plan: 'postgresql:tiny' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    addonName = created.body.name;
    addonId = created.body.id;
    const reached = new URL((await alice('GET', '/apps/shop/config-vars')).body.DATABASE_URL);
    reached.hostname = '127.0.0.1';
    url = reached.href;
  }, 30 * 60_000);

  afterAll(async () => {
    await platform?.stop();
    await registry?.stop();
  });

  it('leaves an empty database under its plan writable, its user no superuser', async () => {
    const empty = await dataSize();
    // measured: 7.35 MiB for an empty database on bookworm's PostgreSQL 15 (the volume, WAL included, ~46 MB)
    expect(empty).toBeGreaterThan(6 * MIB);
    expect(empty).toBeLessThan(9 * MIB);
    await enforcement.pass();
    expect((await alice('GET', `/addons/${addonName}/info`)).body).toMatchObject({ write_access: 'granted', write_access_changed_at: null });
    const client = await session();
    try {
      expect((await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows).toEqual([{ rolsuper: false }]);
      await client.query('CREATE TABLE filler (id serial PRIMARY KEY, body text)');
      await client.query('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
      await client.query("INSERT INTO notes (body) VALUES ('kept')");
      // made while writes were allowed: runs as its owner, the app's user, so no way around later
      await client.query("CREATE FUNCTION sneak() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ INSERT INTO notes (body) VALUES ('sneaked') $$");
    } finally {
      await client.end();
    }
  }, 120_000);

  it('revokes INSERT, UPDATE and CREATE once over, keeping reads, and cannot be got around', async () => {
    const client = await session();
    try {
      await fill(client, 4000);
      expect(await dataSize()).toBeGreaterThan(10 * MIB);
      const started = Date.now();
      await enforcement.pass();
      console.log(`check that revoked: ${Date.now() - started} ms at ${((await dataSize()) / MIB).toFixed(1)} MiB`);
      const info = (await alice('GET', `/addons/${addonName}/info`)).body;
      expect(info).toMatchObject({ write_access: 'revoked', storage_limit_mb: 10, write_access_changed_at: expect.any(String) });
      expect((await alice('GET', `/apps/shop/addons/${addonName}`)).body.write_access).toBe('revoked');

      const insert = await refusal(client, "INSERT INTO notes (body) VALUES ('no')");
      expect(insert).toMatchObject({ code: '42501', message: expect.stringMatching(REVOKED) });
      expect(insert!.hint).toMatch(/Reads, DELETE, TRUNCATE and DROP still work: delete data \(then VACUUM\) until it holds under 9 MB, or upgrade the plan/);
      expect(await refusal(client, "UPDATE notes SET body = 'changed'")).toMatchObject({ code: '42501', message: expect.stringMatching(REVOKED) });
      expect(await refusal(client, 'CREATE TABLE more (x int)')).toMatchObject({ code: '42501', message: expect.stringMatching(/: CREATE TABLE refused$/) });
      expect((await client.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
      expect((await client.query('SELECT count(*)::int AS n FROM filler')).rows).toEqual([{ n: 4000 }]);

      // the obvious ways around it, from the app's own session
      for (const sql of [
        'ALTER TABLE notes DISABLE TRIGGER ALL',
        'DROP TRIGGER slipway_storage_limit ON notes',
        'SET session_replication_role = replica',
        'ALTER EVENT TRIGGER slipway_storage_limit DISABLE',
        'DROP EVENT TRIGGER slipway_storage_limit',
        'DROP SCHEMA slipway_storage CASCADE',
        'UPDATE slipway_storage.limit_state SET limit_mb = 100000',
        'SET ROLE slipway_admin',
        'ALTER ROLE CURRENT_USER SUPERUSER',
        'CREATE TEMP TABLE scratch (x int)',
        "SELECT lo_from_bytea(0, 'data')",
        'CREATE INDEX ON filler (body)',
        'CREATE TABLE copy AS SELECT * FROM filler',
        'GRANT INSERT ON notes TO PUBLIC',
        'SELECT sneak()',
      ]) {
        expect(await refusal(client, sql), sql).toMatchObject({ message: expect.any(String) });
      }
      // a read-write transaction asked for explicitly is still refused
      await client.query('SET default_transaction_read_only = off');
      expect(await refusal(client, "COPY notes (body) FROM PROGRAM 'true'")).not.toBeNull();
      expect(await refusal(client, "INSERT INTO notes (body) VALUES ('no')")).toMatchObject({ code: '42501' });
      expect((await client.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);

      // the app's log says so
      await waitFor('the platform event in the app’s log', async () => {
        const log = await fetch(`${cp.url}/apps/shop/logs?lines=50`, { headers: { authorization: `Bearer ${aliceToken}` } }).then((r) => r.text());
        return /heroku-postgres.*over its plan capacity: it holds [\d.]+ MB, postgresql:tiny holds 10 MB\. Write access revoked/.test(log);
      }, 10_000);
      // and pg:info, in Heroku's words
      const home = await mkdtemp(join(tmpdir(), 'slipway-addon-storage-cli-'));
      try {
        const slipway = inProcessCli({ home, cwd: home });
        expect((await slipway(['login', '--api', cp.url, '--token', '-'], { stdin: `${aliceToken}\n` })).code).toBe(0);
        const shown = await slipway(['pg:info', '-a', 'shop']);
        expect(shown.code, shown.stderr).toBe(0);
        expect(shown.stdout).toMatch(/Status:\s+Over Plan Capacity: Access Restricted/);
        expect(shown.stdout).toMatch(/Data Size:\s+[\d.]+ MB of 10 MB \(1\d\d%\)/);
        expect(shown.stdout).toMatch(/Write Access:\s+revoked since /);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    } finally {
      await client.end();
    }
  }, 300_000);

  it('gives writes back after DELETE and VACUUM, at the next check', async () => {
    const client = await session();
    try {
      expect(await client.query('DELETE FROM filler')).toMatchObject({ rowCount: 4000 });
      await client.query('VACUUM filler');
      expect(await dataSize()).toBeLessThan(9 * MIB);
      // still refused until the check
      expect(await refusal(client, "INSERT INTO notes (body) VALUES ('early')")).toMatchObject({ code: '42501' });
      await enforcement.pass();
      expect((await alice('GET', `/addons/${addonName}/info`)).body.write_access).toBe('granted');
      await client.query("INSERT INTO notes (body) VALUES ('back')");
      await client.query('CREATE TABLE more (x int)');
      await client.query('CREATE TEMP TABLE scratch (x int)');
      expect((await client.query('SELECT body FROM notes ORDER BY id')).rows).toEqual([{ body: 'kept' }, { body: 'back' }]);
      // nothing of the limit is left in the database
      expect((await client.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'slipway_storage_limit'")).rows).toEqual([{ n: 0 }]);
      expect((await client.query("SELECT count(*)::int AS n FROM pg_event_trigger")).rows).toEqual([{ n: 0 }]);
      await waitFor('the restore event in the app’s log', async () => {
        const log = await fetch(`${cp.url}/apps/shop/logs?lines=50`, { headers: { authorization: `Bearer ${aliceToken}` } }).then((r) => r.text());
        return /within its plan capacity again \([\d.]+ MB of 10 MB, postgresql:tiny\): write access restored/.test(log);
      }, 10_000);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('gives writes back at once when a plan upgrade makes room', async () => {
    let client = await session();
    try {
      await fill(client, 4000);
    } finally {
      await client.end();
    }
    await enforcement.pass();
    expect((await alice('GET', `/addons/${addonName}/info`)).body.write_access).toBe('revoked');
    const started = Date.now();
    const upgraded = await alice('PATCH', `/apps/shop/addons/${addonName}`, { plan: 'postgresql:roomy' });
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    console.log(`upgrade with writes back: ${Date.now() - started} ms`);
    expect(upgraded.body).toMatchObject({ plan: { name: 'postgresql:roomy' }, write_access: 'granted' });
    client = await session();
    try {
      await client.query("INSERT INTO notes (body) VALUES ('roomy')");
      expect((await client.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 3 }]);
    } finally {
      await client.end();
    }
    expect((await cp.controlPlane.services.addons.store.get(addonId))!.storage).toMatchObject({ writeAccess: 'granted', limitMb: 64 });
  }, 300_000);
});
