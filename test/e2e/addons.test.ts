// Add-ons as apps use them, on the real platform (`npm start`'s launcher): PostgreSQL and Redis
// created for a Node app, which then reads and writes through DATABASE_URL and REDIS_URL with pg
// and ioredis, through the router; its data kept across a restart of the add-ons' servers; the
// same add-ons attached to a Python app (psycopg, redis-py) that sees the same data; and another
// tenant's app, given the first tenant's URL, unable even to find its host.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const exec = promisify(execFile);

describe('add-ons reached by the apps attached to them', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let operator: ReturnType<typeof api>;
  let stranger: ReturnType<typeof api>;
  let strangerToken: string;
  const addonIds: string[] = [];
  const cleanup: string[] = [];
  const measured: string[] = [];

  const push = async (fixture: string, app: string, token?: string) => {
    const dir = await fixtureRepo(fixture);
    cleanup.push(dir);
    const started = Date.now();
    const result = await git(dir, ['push', gitUrl(platform.endpoints, app, token), 'HEAD:main']);
    expect(result.code, result.out).toBe(0);
    measured.push(`${app} (${fixture}) first push: ${Date.now() - started} ms`);
    return result.out;
  };
  const json = async (app: string, path: string) => {
    const res = await viaRouter(platform.endpoints, app, path);
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  };
  const served = (app: string) => waitFor(`${app} answering`, async () => (await viaRouter(platform.endpoints, app)).status === 200, 60_000);

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '60', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    operator = api(platform.endpoints);
    for (const name of ['shop', 'shop-py']) expect((await operator('POST', '/apps', { name })).status).toBe(201);
    strangerToken = (await operator('POST', '/users', { email: 'stranger@example.com' })).body.token;
    stranger = api({ ...platform.endpoints, token: strangerToken });
    expect((await stranger('POST', '/apps', { name: 'strangers-app' })).status).toBe(201);
  }, 20 * 60_000);

  afterAll(async () => {
    console.log(measured.join('\n'));
    for (const id of addonIds) await operator?.('DELETE', `/apps/shop/addons/${id}`).catch(() => {});
    await platform?.stop().catch(() => {});
    // whatever a failed destroy left: the add-ons' containers and volumes
    for (const id of addonIds) {
      const { stdout } = await exec('docker', ['ps', '-aq', '--filter', `label=io.slipway.addon=${id}`]).catch(() => ({ stdout: '' }));
      for (const container of stdout.split('\n').filter(Boolean)) await exec('docker', ['rm', '-f', '-v', container]).catch(() => {});
      const volumes = await exec('docker', ['volume', 'ls', '-q', '--filter', `label=io.slipway.addon=${id}`]).catch(() => ({ stdout: '' }));
      for (const volume of volumes.stdout.split('\n').filter(Boolean)) await exec('docker', ['volume', 'rm', '-f', volume]).catch(() => {});
    }
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('a Node app writes and reads PostgreSQL and Redis through DATABASE_URL and REDIS_URL with pg and ioredis', async () => {
    for (const plan of ['heroku-postgresql:mini', 'heroku-redis:mini']) {
      const started = Date.now();
      const created = await operator('POST', '/apps/shop/addons', { plan });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      addonIds.push(created.body.id);
      measured.push(`${plan} provisioned in ${Date.now() - started} ms`);
    }
    const vars = (await operator('GET', '/apps/shop/config-vars')).body;
    // the URLs name the add-ons: only the attached apps' containers can resolve those names
    expect(new URL(vars.DATABASE_URL).hostname).toMatch(/^postgresql-[a-z]+-\d{5}$/);
    expect(new URL(vars.REDIS_URL).hostname).toMatch(/^redis-[a-z]+-\d{5}$/);

    const out = await push('node-addons', 'shop');
    expect(out).toContain('Released v');
    await served('shop');
    expect(await json('shop', '/visit?who=ada')).toEqual({ status: 200, body: { visits: 1, hits: 1 } });
    expect(await json('shop', '/visit?who=grace')).toEqual({ status: 200, body: { visits: 2, hits: 2 } });
  }, 20 * 60_000);

  it('keeps the data across a restart of the add-ons’ servers, and the app reconnects', async () => {
    for (const id of addonIds) {
      const { stdout } = await exec('docker', ['ps', '-q', '--filter', `label=io.slipway.addon=${id}`]);
      expect(stdout.trim(), `the container of add-on ${id}`).not.toBe('');
      await exec('docker', ['restart', '-t', '10', stdout.trim()]);
    }
    await waitFor('the app answering through both add-ons again', async () => (await json('shop', '/visit?who=restart')).status === 200, 60_000);
    const { body } = await json('shop', '/visit?who=linus');
    // the visits before the restart are still there (the one(s) made while waiting count too)
    expect(body.visits).toBe(body.hits);
    expect(body.visits as number).toBeGreaterThanOrEqual(4);
  }, 5 * 60_000);

  it('a Python app attached to the same add-ons reads the same data with psycopg and redis-py', async () => {
    const before = (await json('shop', '/visit?who=before-python')).body;
    const addons = (await operator('GET', '/apps/shop/addons')).body as { name: string; addon_service: { name: string } }[];
    for (const addon of addons) {
      const as = addon.addon_service.name === 'postgresql' ? 'DATABASE' : 'REDIS';
      expect((await operator('POST', '/addon-attachments', { addon: addon.name, app: 'shop-py', name: as })).status).toBe(201);
    }
    const out = await push('python-addons', 'shop-py');
    expect(out).toContain('Python app detected');
    await served('shop-py');
    expect(await json('shop-py', '/visit?who=guido')).toEqual({ status: 200, body: { visits: (before.visits as number) + 1, hits: (before.hits as number) + 1 } });
  }, 20 * 60_000);

  it('rotates the database’s credentials under a client polling the app: not one failed request', async () => {
    const pgName = ((await operator('GET', '/apps/shop/addons')).body as { name: string; addon_service: { name: string } }[]).find((a) => a.addon_service.name === 'postgresql')!.name;
    const before = (await operator('GET', '/apps/shop/config-vars')).body.DATABASE_URL as string;
    const outcome = { ok: 0, failed: [] as string[] };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answer = await viaRouter(platform.endpoints, 'shop', '/visit?who=poller').catch((err: Error) => ({ status: 0, body: err.message }));
        if (answer.status === 200) outcome.ok += 1;
        else outcome.failed.push(`${answer.status} ${answer.body.slice(0, 120)}`);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    expect((await operator('POST', `/addons/${pgName}/actions/rotate-credentials`, {})).status).toBe(200);
    const latest = ((await operator('GET', '/apps/shop/releases')).body as { version: number; description: string }[]).at(-1)!;
    expect(latest.description).toContain('Rotate DATABASE credentials');
    await waitFor('shop serving the new release', async () => {
      const dynos = (await operator('GET', '/apps/shop/dynos')).body as { name: string; state: string; release: { version: number } }[];
      const web = dynos.filter((d) => d.name.startsWith('web.'));
      return web.length > 0 && web.every((d) => d.state === 'up' && d.release.version === latest.version);
    }, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    polling = false;
    await poller;
    expect(outcome.failed).toEqual([]);
    expect(outcome.ok).toBeGreaterThan(20);
    expect((await operator('GET', '/apps/shop/config-vars')).body.DATABASE_URL).not.toBe(before);
    measured.push(`credentials rotated and shop restarted in ${Date.now() - started} ms under ${outcome.ok} polled requests, 0 failed`);
  }, 5 * 60_000);

  it('another tenant’s app given the first tenant’s DATABASE_URL cannot even resolve its host', async () => {
    const url = (await operator('GET', '/apps/shop/config-vars')).body.DATABASE_URL as string;
    await push('node-addons', 'strangers-app', strangerToken);
    await served('strangers-app');
    expect((await stranger('GET', '/apps/strangers-app/addons')).body).toEqual([]);
    const reached = await json('strangers-app', `/reach?url=${encodeURIComponent(url)}`);
    expect(reached).toMatchObject({ status: 200, body: { reached: false } });
    expect(reached.body.error).toMatch(/ENOTFOUND|EAI_AGAIN/);
    // while the attached app reaches the same URL
    expect(await json('shop', `/reach?url=${encodeURIComponent(url)}`)).toEqual({ status: 200, body: { reached: true } });
  }, 20 * 60_000);
});
