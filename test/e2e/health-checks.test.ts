// Health checks on the real platform: app.json's check gates boots and watches running
// instances; one that turns unhealthy leaves the route and is replaced while a client polls
// with no failed request; a check that new instances never pass stops their rollout while the
// old instances keep serving; the API's check overrides app.json's and can be removed.
// Maintenance mode (the CLI's maintenance:on/off) puts the maintenance page in front of them.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, commitAll, fixtureRepo, git, gitUrl, newHome, platformEnv, pollContinuously, removePlatformImages, slipwayCli, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const APP = 'checked';
const exec = promisify(execFile);

interface Dyno {
  id: string;
  name: string;
  state: string;
  reason: string | null;
}

describe('health checks', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const cleanup: string[] = [];

  const dynos = async () => (await call('GET', `/apps/${APP}/dynos`)).body as Dyno[];
  const upIds = async () => new Set((await dynos()).filter((d) => d.state === 'up').map((d) => d.id));
  const logs = async () => (await fetch(`${platform.endpoints.api}/apps/${APP}/logs?lines=1500`, { headers: { authorization: `Bearer ${platform.endpoints.token}` } })).text();

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '8', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    expect((await call('POST', '/apps', { name: APP })).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it("reads app.json's check at build time and serves once it passes", async () => {
    const repo = await fixtureRepo('e2e-health');
    cleanup.push(repo);
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, APP), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain('app.json health check for web: GET /health');
    expect((await call('PATCH', `/apps/${APP}/formation`, { updates: [{ type: 'web', quantity: 2 }] })).status).toBe(200);
    await waitFor('two web dynos up', async () => (await upIds()).size === 2, 60_000);
    expect((await call('GET', `/apps/${APP}/health-checks`)).body).toEqual([
      { process_type: 'web', path: '/health', status: null, interval: 1, timeout: 2, attempts: 2, source: 'app.json' },
    ]);
  });

  it('takes an instance that turns unhealthy out of the route and replaces it, with no failed request', async () => {
    const before = await upIds();
    const poller = pollContinuously(platform.endpoints, APP, 120_000);
    const sickened = await viaRouter(platform.endpoints, APP, '/sicken');
    expect(sickened.body).toMatch(/^web\.\d is sick now/);
    const sickDyno = sickened.body.split(' ')[0]!;
    await waitFor('the sick dyno crashed', async () => (await logs()).includes(`slipway[${sickDyno}]: State changed from up to crashed: failed 2 health checks in a row (GET /health answered 500)`), 30_000);
    await waitFor('a replacement up', async () => {
      const up = await upIds();
      return up.size === 2 && [...up].some((id) => !before.has(id));
    }, 60_000);
    const seen = await poller.stop();
    // on failure, the platform's own lines say which dynos left the route and why
    const platformLines = seen.failures.length > 0 ? (await logs()).split('\n').filter((line) => /slipway\[|router/.test(line)).join('\n') : '';
    expect(seen.failures, platformLines).toEqual([]);
    expect(seen.requests).toBeGreaterThan(20);
  });

  it("stops a rollout whose new instances never pass the API's check, the old ones serving on; removing the check brings app.json's back", async () => {
    const before = await upIds();
    const poller = pollContinuously(platform.endpoints, APP, 120_000);
    const set = await call('PUT', `/apps/${APP}/health-checks/web`, { path: '/ready', status: 200, interval: 1, timeout: 1, attempts: 1 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ process_type: 'web', path: '/ready', status: 200, interval: 1, timeout: 1, attempts: 1, source: 'api' });
    // replacements start, never pass /ready (404), and time out of their boot (8 s)
    await waitFor('a replacement failing its boot', async () => (await logs()).includes('State changed from starting to crashed: did not pass its health check (GET /ready) within 8 s'), 60_000);
    expect(await upIds()).toEqual(before);

    const removed = await call('DELETE', `/apps/${APP}/health-checks/web`);
    expect(removed.status).toBe(200);
    expect((await call('GET', `/apps/${APP}/health-checks`)).body).toMatchObject([{ path: '/health', source: 'app.json' }]);
    await waitFor('healthy replacements', async () => {
      const up = await upIds();
      return up.size === 2 && [...up].every((id) => !before.has(id));
    }, 90_000);
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
  });

  it('answers with the maintenance page in maintenance mode, the instances running on, and serves again when it ends', async () => {
    const cli = slipwayCli(platform);
    const slipway = (args: string[]) => exec(cli.argv[0]!, [...cli.argv.slice(1), ...args, '-a', APP], { env: cli.env });
    const up = await upIds();
    expect((await slipway(['maintenance'])).stdout).toBe('off\n');
    expect((await slipway(['maintenance:on'])).stdout).toBe(`Enabling maintenance mode for ${APP}... done\n`);
    const page = await waitFor('the maintenance page', async () => {
      const res = await viaRouter(platform.endpoints, APP);
      return res.status === 503 && res;
    }, 10_000);
    expect(page.body).toContain('Offline for maintenance');
    expect(page.body).toContain('H80');
    expect((await slipway(['maintenance'])).stdout).toBe('on\n');
    expect(await upIds()).toEqual(up);
    await slipway(['maintenance:off']);
    await waitFor('the app again', async () => (await viaRouter(platform.endpoints, APP)).body.startsWith('hello from web.'), 10_000);
  });

  it('refuses a bad check with the reason', async () => {
    const bad = await call('PUT', `/apps/${APP}/health-checks/web`, { path: 'health', interval: 0 });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/path: must start with \//);
    expect(bad.body.message).toMatch(/interval/);
    expect((await call('DELETE', `/apps/${APP}/health-checks/worker`)).status).toBe(404);
  });

  it('renames the app: same dynos, config and checks; the new hostname and git URL work, the old ones are gone; the git remote follows', async () => {
    const repo = await fixtureRepo('e2e-health');
    cleanup.push(repo);
    await git(repo, ['remote', 'add', 'slipway', gitUrl(platform.endpoints, APP)]);
    const before = await upIds();
    const cli = slipwayCli(platform);
    const renamed = await exec(cli.argv[0]!, [...cli.argv.slice(1), 'apps:rename', 'checked-renamed', '-a', APP], { cwd: repo, env: cli.env });
    expect(renamed.stdout).toContain(`Renaming ${APP} to checked-renamed... done`);
    expect(renamed.stdout).toContain('Git remote slipway updated');
    expect((await git(repo, ['remote', 'get-url', 'slipway'])).out.trim()).toMatch(/\/checked-renamed\.git$/);
    await waitFor('the new hostname served', async () => (await viaRouter(platform.endpoints, 'checked-renamed')).body.startsWith('hello from web.'), 10_000);
    await waitFor('the old hostname gone', async () => (await viaRouter(platform.endpoints, APP)).status === 404, 10_000);
    expect((await call('GET', `/apps/${APP}`)).status).toBe(404);
    const dynos = ((await call('GET', '/apps/checked-renamed/dynos')).body as Dyno[]).filter((d) => d.state === 'up').map((d) => d.id);
    expect(new Set(dynos)).toEqual(before);
    expect((await call('GET', '/apps/checked-renamed/health-checks')).body).toMatchObject([{ path: '/health', source: 'app.json' }]);
    // the old name is free again, and a push to the new remote deploys
    expect((await git(repo, ['ls-remote', gitUrl(platform.endpoints, APP)])).code).not.toBe(0);
    await commitAll(repo, 'after the rename');
    // (the repository kept its history: this clone's is another, hence --force)
    const pushed = await git(repo, ['push', '--force', gitUrl(platform.endpoints, 'checked-renamed'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain('Released v2');
    // taken names and bad names are refused
    expect((await call('POST', '/apps', { name: 'taken-name' })).status).toBe(201);
    expect((await call('PATCH', '/apps/checked-renamed', { name: 'taken-name' })).status).toBe(409);
    expect((await call('PATCH', '/apps/checked-renamed', { name: 'Bad Name' })).status).toBe(422);
    expect((await call('PATCH', '/apps/checked-renamed', { name: 'www' })).status).toBe(422);
  });
});
