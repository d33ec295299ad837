// The whole path on one machine, as a user does it: `npm start`'s launcher, an app created
// through the API, `git push` with the real git binary, traffic through the router, redeploys
// and scaling with a client polling throughout, bad input, and a restart that keeps state.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_LABELS } from '../../common/labels.js';
import {
  api,
  burstViaRouter,
  commitAll,
  dockerContainersLabeled,
  editFile,
  fixtureRepo,
  git,
  gitUrl,
  newHome,
  platformEnv,
  pollContinuously,
  removePlatformImages,
  startPlatform,
  viaRouter,
  waitFor,
  type RunningPlatform,
} from './harness.js';

const exec = promisify(execFile);

/** GET / over HTTPS on 127.0.0.1 with SNI `hostname`, trusting only `ca`; loopback only. */
function httpsGet(port: number, hostname: string, ca: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: hostname, headers: { host: hostname }, ca, path: '/', timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(res.statusCode === 200 ? text : null));
    });
    req.on('error', reject);
    req.end();
  });
}
const BOOT_TIMEOUT_SECONDS = 15;

describe('git push to a served app', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  const cleanup: string[] = [];

  const dynos = async (app: string) => (await call('GET', `/apps/${app}/dynos`)).body as { id: string; name: string; state: string; release: { version: number }; exit_code: number | null; reason: string | null }[];
  const upDynos = async (app: string, version: number) => (await dynos(app)).filter((d) => d.state === 'up' && d.release.version === version);
  const push = (dir: string, app: string, token?: string) => git(dir, ['push', '--force', gitUrl(platform.endpoints, app, token), 'HEAD:main']);

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, {
      SLIPWAY_BOOT_TIMEOUT_SECONDS: String(BOOT_TIMEOUT_SECONDS),
      SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
      SLIPWAY_STOP_GRACE_SECONDS: '5',
    });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('writes endpoints.json with the facts a user needs', () => {
    const { endpoints } = platform;
    expect(endpoints.api).toBe(`http://127.0.0.1:${env.SLIPWAY_API_PORT}`);
    expect(endpoints.router).toBe(`http://127.0.0.1:${env.SLIPWAY_ROUTER_HTTP_PORT}`);
    expect(endpoints.appsDomain).toBe('localhost');
    expect(endpoints.token).toMatch(/^slw_/);
  });

  it('prints where the admin token is kept, never the token itself', () => {
    const output = platform.output();
    expect(output).toContain(`slipway: admin token in ${join(platform.home, 'admin-token')}`);
    expect(output).not.toContain(platform.endpoints.token);
    expect(output).not.toContain(platform.endpoints.token.slice(-16));
  });

  it('creates an app', async () => {
    const created = await call('POST', '/apps', { name: 'hello' });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('hello');
  });

  it('deploys with git push, streaming the build, and serves through the router', async () => {
    repo = await fixtureRepo('e2e-hello');
    cleanup.push(repo);
    const result = await push(repo, 'hello');
    expect(result.out).toContain('remote: -----> ');
    expect(result.out).toContain('Released v1');
    expect(result.code, result.out).toBe(0);
    const served = await waitFor('hello v1 through the router', async () => {
      const res = await viaRouter(platform.endpoints, 'hello');
      return res.status === 200 && res.body;
    }, 10_000);
    expect(served).toMatch(/^hello v1 from web\.1/);
  });

  it('replaces v1 with v2 while a client polls, with no failed request', async () => {
    const poller = pollContinuously(platform.endpoints, 'hello');
    await editFile(repo, 'server.js', (t) => t.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
    await commitAll(repo, 'v2');
    const result = await push(repo, 'hello');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Released v2');
    await waitFor('v2 answering', async () => [...poller.result.bodies.keys()].some((b) => b.startsWith('hello v2')));
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect([...seen.bodies.keys()].some((b) => b.startsWith('hello v1'))).toBe(true);
    expect(seen.requests).toBeGreaterThan(20);
  });

  it('scales web 1 → 3 → 1 → 3, restarts, and back to 1, spreading requests, with no failed request', async () => {
    const poller = pollContinuously(platform.endpoints, 'hello');
    const scale = async (quantity: number) => {
      const res = await call('PATCH', '/apps/hello/formation', { updates: [{ type: 'web', quantity }] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual([expect.objectContaining({ type: 'web', quantity })]);
      // replaced or scaled-down instances may still be draining: wait until only the wanted ones are listed
      return waitFor(`exactly ${quantity} web instances up`, async () => {
        const all = await dynos('hello');
        return all.length === quantity && all.every((d) => d.state === 'up') && all;
      });
    };

    const three = await scale(3);
    expect(three.map((d) => d.name).sort()).toEqual(['web.1', 'web.2', 'web.3']);
    const answeredBy = new Set<string>();
    await waitFor('routes to all three', async () => {
      const { body } = await viaRouter(platform.endpoints, 'hello');
      answeredBy.add(/from (web\.\d)/.exec(body)?.[1] ?? '?');
      return answeredBy.size === 3;
    }, 15_000);

    await scale(1);
    await scale(3);
    const before = new Set((await dynos('hello')).map((d) => d.id));
    expect((await call('DELETE', '/apps/hello/dynos')).status).toBe(202);
    await waitFor('every instance replaced', async () => {
      const all = await dynos('hello');
      return all.length === 3 && all.every((d) => d.state === 'up' && !before.has(d.id));
    });
    await scale(1);

    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect(seen.requests).toBeGreaterThan(50);
  });

  it('serves a burst of load over reused connections to the app and answers at once afterwards', async () => {
    const connections = async () => JSON.parse((await viaRouter(platform.endpoints, 'hello', '/connections')).body) as { dyno: string; connections: number };
    const before = await connections();
    const requests = 10_000;
    const statuses = await burstViaRouter(platform.endpoints, 'hello', { requests, connections: 32 });
    expect(statuses).toEqual(new Map([[200, requests]]));
    const after = await connections();
    expect(after.dyno).toBe(before.dyno);
    // Backend connections are pooled: new ones (health checks included) are at most 1% of the requests.
    expect(after.connections - before.connections).toBeLessThanOrEqual(requests / 100);
    const single = await viaRouter(platform.endpoints, 'hello');
    expect(single.status).toBe(200);
    expect(single.body).toMatch(/^hello v2 from web\.\d/);
  });

  it('rolls config vars out as a new release', async () => {
    const set = await call('PATCH', '/apps/hello/config-vars', { GREETING: 'hi' });
    expect(set.status).toBe(200);
    await waitFor('the new config served', async () => (await viaRouter(platform.endpoints, 'hello')).body.includes('greeting=hi'));
    const releases = (await call('GET', '/apps/hello/releases')).body as { version: number; description: string }[];
    expect(releases.at(-1)).toMatchObject({ version: 3, description: 'Set GREETING config vars' });
  });

  it('serves a custom domain over HTTPS with its own certificate (SNI)', async () => {
    expect((await call('POST', '/apps/hello/domains', { hostname: 'www.example.com' })).status).toBe(201);
    const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-tls-'));
    cleanup.push(dir);
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=www.example.com', '-addext', 'subjectAltName=DNS:www.example.com']);
    const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    expect((await call('POST', '/apps/hello/sni-endpoints', { certificate_chain: cert, private_key: key })).status).toBe(201);
    const body = await waitFor('the certificate served', () =>
      httpsGet(Number(env.SLIPWAY_ROUTER_HTTPS_PORT), 'www.example.com', cert).catch(() => null),
    );
    expect(body).toMatch(/^hello v2 /);
  });

  it('rejects pushes to unknown apps and with wrong or missing credentials', async () => {
    const unknown = await push(repo, 'no-such-app');
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('app not found');
    const wrong = await push(repo, 'hello', `slw_0000000000000000_${'A'.repeat(43)}`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain('Authentication failed');
    const missing = await git(repo, ['push', `${platform.endpoints.git}/hello.git`, 'HEAD:main']);
    expect(missing.code).not.toBe(0);
  });

  it('rejects invalid and duplicate app names with the reason', async () => {
    const invalid = await call('POST', '/apps', { name: 'Not_Valid' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toMatch(/lowercase/);
    const duplicate = await call('POST', '/apps', { name: 'hello' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toMatch(/already taken/);
  });

  it('fails a push no buildpack detects, creating no release, while the app keeps serving', async () => {
    const notAnApp = await fixtureRepo('not-an-app');
    cleanup.push(notAnApp);
    const before = (await call('GET', '/apps/hello/releases')).body.length;
    const result = await push(notAnApp, 'hello');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('No default language could be detected');
    expect((await call('GET', '/apps/hello/releases')).body.length).toBe(before);
    expect((await viaRouter(platform.endpoints, 'hello')).status).toBe(200);
  });

  it('fails a push whose npm install fails, with the last lines of its output', async () => {
    const badDeps = await fixtureRepo('node-bad-deps');
    cleanup.push(badDeps);
    const before = (await call('GET', '/apps/hello/releases')).body.length;
    const result = await push(badDeps, 'hello');
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/npm (ERR!|error)/);
    expect((await call('GET', '/apps/hello/releases')).body.length).toBe(before);
    expect((await viaRouter(platform.endpoints, 'hello')).body).toContain('greeting=hi');
  });

  it('marks an app that exits at once as crashed with its exit code, taking no traffic', async () => {
    expect((await call('POST', '/apps', { name: 'crashy' })).status).toBe(201);
    const crashy = await fixtureRepo('e2e-hello');
    cleanup.push(crashy);
    await editFile(crashy, 'server.js', () => "console.error('boom'); process.exit(3);\n");
    await commitAll(crashy, 'crash at boot');
    const result = await push(crashy, 'crashy');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('web.1 crashed: exited with code 3');
    // A crashed dyno is restarted at once twice before the backoff grows, so a listing may
    // catch its replacement starting; each replacement crashes the same way.
    const dyno = await waitFor('web.1 listed as crashed', async () => (await dynos('crashy')).find((d) => d.name === 'web.1' && d.state === 'crashed'), 30_000);
    expect(dyno).toMatchObject({ name: 'web.1', exit_code: 3 });
    const routed = await viaRouter(platform.endpoints, 'crashy');
    expect(routed.status).toBe(503);
  });

  it('marks an app that never binds $PORT as crashed after the boot timeout', async () => {
    expect((await call('POST', '/apps', { name: 'sleepy' })).status).toBe(201);
    const sleepy = await fixtureRepo('e2e-hello');
    cleanup.push(sleepy);
    await editFile(sleepy, 'server.js', () => 'setInterval(() => {}, 1000);\n');
    await commitAll(sleepy, 'never listens');
    const result = await push(sleepy, 'sleepy');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain(`did not bind $PORT within ${BOOT_TIMEOUT_SECONDS} s`);
    expect((await viaRouter(platform.endpoints, 'sleepy')).status).toBe(503);
  });

  it('keeps the previous release serving when a new one crashes, then rolls back', async () => {
    const broken = await fixtureRepo('e2e-hello');
    cleanup.push(broken);
    await editFile(broken, 'server.js', () => 'process.exit(1);\n');
    await commitAll(broken, 'broken release');
    const poller = pollContinuously(platform.endpoints, 'hello', 120_000);
    const result = await push(broken, 'hello');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('keeps serving');
    const releases = (await call('GET', '/apps/hello/releases')).body as { version: number }[];
    const good = releases.at(-2)!.version;
    const rolled = await call('POST', '/apps/hello/releases', { release: String(good) });
    expect(rolled.status).toBe(201);
    await waitFor('rollback rolled out', async () => (await upDynos('hello', rolled.body.version)).length === 1);
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect((await viaRouter(platform.endpoints, 'hello')).body).toMatch(/^hello v2 .*greeting=hi/);
  });

  it('deletes an app with everything it had: a new app under its name starts empty', async () => {
    const logs = async (app: string) => {
      const res = await fetch(`${platform.endpoints.api}/apps/${app}/logs?lines=100`, { headers: { authorization: `Bearer ${platform.endpoints.token}` } });
      return res.text();
    };
    const first = (await call('POST', '/apps', { name: 'reborn' })).body as { id: string };
    const source = await fixtureRepo('e2e-hello');
    cleanup.push(source);
    expect((await push(source, 'reborn')).code).toBe(0);
    // The route reaches the router over NATS just after the push ends: a moment under load.
    await waitFor('reborn served', async () => (await viaRouter(platform.endpoints, 'reborn')).status === 200, 10_000);
    await waitFor('the router line in the logs', async () => (await logs('reborn')).includes('slipway[router]'), 30_000);
    // scaled and deleted at once: no pass of the scheduler may start an instance for it after
    expect((await call('PATCH', '/apps/reborn/formation', { updates: [{ type: 'web', quantity: 3 }] })).status).toBe(200);
    expect((await call('DELETE', '/apps/reborn')).status).toBe(200);

    const second = (await call('POST', '/apps', { name: 'reborn' })).body as { id: string };
    expect(second.id).not.toBe(first.id);
    expect(await logs('reborn')).toBe('');
    const refs = await git(source, ['ls-remote', gitUrl(platform.endpoints, 'reborn')]);
    expect(refs).toEqual({ code: 0, out: '' });
    await sleep(3000); // a few scheduler passes
    expect(await dockerContainersLabeled(`${INSTANCE_LABELS.appId}=${first.id}`)).toEqual([]);
    // the new app has no release yet: nothing of the old one answers under its name
    expect((await viaRouter(platform.endpoints, 'reborn')).status).toBe(503);
  });

  it('stops everything on SIGTERM and comes back with its state on the next start', async () => {
    const hosts = (await call('GET', '/hosts')).body as { id: string }[];
    expect(hosts.length).toBe(1);
    const releasesBefore = (await call('GET', '/apps/hello/releases')).body.length;
    const head = (await git(repo, ['ls-remote', gitUrl(platform.endpoints, 'hello'), 'refs/heads/main'])).out.trim();

    await platform.stop();
    for (const host of hosts) expect(await dockerContainersLabeled(`${INSTANCE_LABELS.host}=${host.id}`)).toEqual([]);

    platform = await startPlatform(env);
    call = api(platform.endpoints);
    await waitFor('hello served again', async () => {
      const res = await viaRouter(platform.endpoints, 'hello');
      return res.status === 200 && res.body.startsWith('hello v2');
    }, 120_000);
    expect((await call('GET', '/apps/hello/releases')).body.length).toBe(releasesBefore);
    expect((await git(repo, ['ls-remote', gitUrl(platform.endpoints, 'hello'), 'refs/heads/main'])).out.trim()).toBe(head);
  });
});
