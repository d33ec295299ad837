// Images pushed with the real docker CLI to the platform's registry (Docker's token auth, the
// control plane the token server), then released through Heroku's formation API and served
// through the router. Each user's login reaches only their apps' repositories; the platform's
// own paths (the builder's pushes, the agents' pulls) go through the same token flow.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/entry-points.js';
import { registryClient } from '../../buildpacks/registry-access.js';
import { api, fixtureRepo, git, gitUrl, newHome, platformEnv, removePlatformImages, slipwayCli, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

interface Run {
  code: number | null;
  out: string;
}

/** The docker CLI with its own config dir (a user's own machine), legacy builder (no buildx here). */
function docker(configDir: string, args: string[], stdin = ''): Promise<Run> {
  return runProgram(['docker', '--config', configDir, ...args], { ...process.env, DOCKER_BUILDKIT: '0' }, stdin);
}

function runProgram(argv: string[], env: NodeJS.ProcessEnv, stdin = '', cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
    child.stdin.end(stdin);
  });
}

describe('docker push to the platform registry, and a release of the pushed image', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let registry: string;
  let context: string;
  let bobToken: string;
  const cleanup: string[] = [];
  const localTags: string[] = [];
  const adminConfig = () => cleanup[1]!;
  const bobConfig = () => cleanup[2]!;

  const build = async (tag: string, flavour: string) => {
    localTags.push(tag);
    const result = await docker(adminConfig(), ['build', '--build-arg', `BASE=${registry}/slipway/stack:bookworm`, '--build-arg', `FLAVOUR=${flavour}`, '--tag', tag, context]);
    expect(result.code, result.out).toBe(0);
  };

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home, await mkdtemp(join(tmpdir(), 'slipway-docker-admin-')), await mkdtemp(join(tmpdir(), 'slipway-docker-bob-')));
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '20', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    registry = `127.0.0.1:${env.SLIPWAY_REGISTRY_PORT}`;
    localTags.push(`${registry}/slipway/stack:bookworm`);
    context = await mkdtemp(join(tmpdir(), 'slipway-pushed-image-'));
    cleanup.push(context);
    await cp(join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'test', 'fixtures', 'pushed-image'), context, { recursive: true });
    expect((await call('POST', '/apps', { name: 'pushed' })).status).toBe(201);
    const bob = await call('POST', '/users', { email: 'bob@example.com' });
    expect(bob.status).toBe(201);
    bobToken = bob.body.token as string;
    const bobsApp = await fetch(`${platform.endpoints.api}/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, accept: 'application/vnd.heroku+json; version=3', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bobs-app' }),
    });
    expect(bobsApp.status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    for (const tag of localTags) await docker(adminConfig(), ['rmi', '--no-prune', tag]).catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('deploys with git as before: the builder pushes and the agent pulls through the token flow', async () => {
    const repo = await fixtureRepo('procfile-perl');
    cleanup.push(repo);
    expect((await call('POST', '/apps', { name: 'built' })).status).toBe(201);
    const pushed = await git(repo, ['push', gitUrl(platform.endpoints, 'built'), 'HEAD:main']);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain('remote: -----> Released v1');
    await waitFor('the built app served', async () => (await viaRouter(platform.endpoints, 'built')).status === 200, 60_000);
    // The image collector's client (the platform's credentials) lists what the builder pushed.
    const client = registryClient({ registry, registryAuthFile: join(platform.home, 'secrets', 'registry', 'credentials.json') });
    expect(await client.listRepositories()).toContain('apps/built');
    expect(await client.listTags('apps/built')).toContain('v1');
  });

  it("issues tokens granting each login only its apps' repositories, and refuses an unknown token in the registry's shape", async () => {
    const tokenFor = async (password: string) => {
      const url = `${platform.endpoints.api}/registry/token?service=slipway-registry&scope=${encodeURIComponent('repository:pushed/web:push,pull')}&scope=${encodeURIComponent('repository:bobs-app/web:push,pull')}`;
      return fetch(url, { headers: { authorization: `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}` } });
    };
    const access = async (password: string) => {
      const response = await tokenFor(password);
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { access: unknown[] }).access;
    };
    // the operator may change every app; bob only his own
    expect(await access(platform.endpoints.token)).toEqual([
      { type: 'repository', name: 'pushed/web', actions: ['push', 'pull'] },
      { type: 'repository', name: 'bobs-app/web', actions: ['push', 'pull'] },
    ]);
    expect(await access(bobToken)).toEqual([{ type: 'repository', name: 'bobs-app/web', actions: ['push', 'pull'] }]);
    const unknown = await tokenFor('slw_not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await unknown.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'Authentication failed: log in with your API token as the password.', detail: null }] });
  });

  it('logs in with an API token and refuses a wrong one', async () => {
    const wrong = await docker(bobConfig(), ['login', registry, '--username', 'anything', '--password-stdin'], 'slw_not-a-token');
    expect(wrong.code, wrong.out).not.toBe(0);
    expect(wrong.out).toMatch(/unauthorized|401/i);
    const admin = await docker(adminConfig(), ['login', registry, '--username', 'anything', '--password-stdin'], platform.endpoints.token);
    expect(admin.code, admin.out).toBe(0);
    expect(admin.out).toContain('Login Succeeded');
    const bob = await docker(bobConfig(), ['login', registry, '--username', '_', '--password-stdin'], bobToken);
    expect(bob.code, bob.out).toBe(0);
  });

  it("pushes to the app's repository, and another user's push there is refused", async () => {
    await build(`${registry}/pushed/web`, 'first');
    const pushed = await docker(adminConfig(), ['push', `${registry}/pushed/web`]);
    expect(pushed.code, pushed.out).toBe(0);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.out)?.[1];
    expect(digest, pushed.out).toBeDefined();

    await build(`${registry}/pushed/web:bobs`, 'bobs');
    const refused = await docker(bobConfig(), ['push', `${registry}/pushed/web:bobs`]);
    expect(refused.code, refused.out).not.toBe(0);
    expect(refused.out).toMatch(/denied|unauthorized|authentication required/i);
    const client = registryClient({ registry, registryAuthFile: join(platform.home, 'secrets', 'registry', 'credentials.json') });
    expect(await client.listTags('pushed/web')).toEqual(['latest']);
    expect(await client.manifestDigest('pushed/web', 'latest')).toBe(digest);

    // Bob's login works on his own app.
    await build(`${registry}/bobs-app/web`, 'bobs');
    const own = await docker(bobConfig(), ['push', `${registry}/bobs-app/web`]);
    expect(own.code, own.out).toBe(0);
  });

  it('releases the pushed image through the formation API and serves it', async () => {
    const inspected = await docker(adminConfig(), ['image', 'inspect', '--format', '{{.Id}}', `${registry}/pushed/web`]);
    expect(inspected.code, inspected.out).toBe(0);
    const imageId = inspected.out.trim();
    expect(imageId).toMatch(/^sha256:[a-f0-9]{64}$/);

    const unknown = await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'web', docker_image: `sha256:${'0'.repeat(64)}` }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toMatch(/Couldn't find the image/);

    const released = await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'web', docker_image: imageId }] });
    expect(released.status, `${JSON.stringify(released.body)}\n${platform.output().slice(-4000)}`).toBe(200);
    expect(released.body.find((f: { type: string }) => f.type === 'web')).toMatchObject({ type: 'web', quantity: 1, command: 'perl /srv/server.pl' });
    const release = (await call('GET', '/apps/pushed/releases')).body.at(-1) as { version: number; description: string; process_types: Record<string, string>; status: string };
    expect(release).toMatchObject({ version: 1, description: `Deployed web (${imageId.slice(7, 19)})`, process_types: { web: 'perl /srv/server.pl' }, status: 'succeeded' });
    const body = await waitFor('the pushed image served', async () => {
      const response = await viaRouter(platform.endpoints, 'pushed');
      return response.status === 200 && response.body;
    }, 60_000);
    expect(body).toBe('first image as uid 1000\n');

    // Bob cannot release into an app he may not change.
    const bobs = await fetch(`${platform.endpoints.api}/apps/pushed/formation`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${bobToken}`, accept: 'application/vnd.heroku+json; version=3', 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ type: 'web', docker_image: imageId }] }),
    });
    expect(bobs.status).toBe(403);
  });

  it('releases several process types in one request; a later release of one keeps the others on their images', async () => {
    const imageId = async (image: string) => {
      const inspected = await docker(adminConfig(), ['image', 'inspect', '--format', '{{.Id}}', image]);
      expect(inspected.code, inspected.out).toBe(0);
      return inspected.out.trim();
    };
    // The first image becomes the worker; web gets a second one.
    localTags.push(`${registry}/pushed/worker`);
    expect((await docker(adminConfig(), ['tag', `${registry}/pushed/web`, `${registry}/pushed/worker`])).code).toBe(0);
    const worker = await docker(adminConfig(), ['push', `${registry}/pushed/worker`]);
    expect(worker.code, worker.out).toBe(0);
    await build(`${registry}/pushed/web`, 'second');
    const web = await docker(adminConfig(), ['push', `${registry}/pushed/web`]);
    expect(web.code, web.out).toBe(0);
    const [webId, workerId] = [await imageId(`${registry}/pushed/web`), await imageId(`${registry}/pushed/worker`)];
    expect(webId).not.toBe(workerId);

    const twice = await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'web', docker_image: webId }, { type: 'web', docker_image: workerId }] });
    expect(twice.status).toBe(422);
    expect(twice.body.message).toBe('web is given more than one docker_image.');

    const both = await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'web', docker_image: webId }, { type: 'worker', docker_image: workerId, quantity: 1 }] });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    expect(both.body.find((f: { type: string }) => f.type === 'worker')).toMatchObject({ quantity: 1, command: 'perl /srv/server.pl' });
    const v2 = (await call('GET', '/apps/pushed/releases')).body.at(-1) as { version: number; description: string; process_types: Record<string, string> };
    expect(v2).toMatchObject({ version: 2, description: `Deployed web (${webId.slice(7, 19)}), worker (${workerId.slice(7, 19)})`, process_types: { web: 'perl /srv/server.pl', worker: 'perl /srv/server.pl' } });
    await waitFor('the second image served', async () => (await viaRouter(platform.endpoints, 'pushed')).body === 'second image as uid 1000\n', 60_000);

    // Releasing the worker alone: web restarts on v3 and still runs its own (second) image.
    const alone = await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'worker', docker_image: workerId }] });
    expect(alone.status, JSON.stringify(alone.body)).toBe(200);
    const up = await waitFor('v3 up for web and worker', async () => {
      const dynos = (await call('GET', '/apps/pushed/dynos')).body as { type: string; state: string; release: { version: number } }[];
      const onV3 = dynos.filter((d) => d.release.version === 3 && d.state === 'up');
      return onV3.length === 2 && dynos.length === 2 && onV3.map((d) => d.type).sort();
    }, 60_000);
    expect(up).toEqual(['web', 'worker']);
    expect((await viaRouter(platform.endpoints, 'pushed')).body).toBe('second image as uid 1000\n');
    expect((await call('PATCH', '/apps/pushed/formation', { updates: [{ type: 'worker', quantity: 0 }] })).status).toBe(200);
  });

  it("apps:rename moves the pushed images with the app; the old name's next owner finds none", async () => {
    const client = registryClient({ registry, registryAuthFile: join(platform.home, 'secrets', 'registry', 'credentials.json') });
    const before = await client.manifestDigest('pushed/web', 'latest');
    const renamed = await call('PATCH', '/apps/pushed', { name: 'pushed-moved' });
    expect(renamed.status, `${JSON.stringify(renamed.body)}\n${platform.output().slice(-3000)}`).toBe(200);
    expect(await client.listTags('pushed/web')).toEqual([]);
    expect(await client.listTags('pushed/worker')).toEqual([]);
    expect(await client.manifestDigest('pushed-moved/web', 'latest')).toBe(before);
    const latest = (await call('GET', '/apps/pushed-moved/releases')).body.at(-1) as { image: { repository: string } };
    expect(latest.image.repository).toBe('pushed-moved/web');

    // Fresh instances pull the moved images, and the app serves under its new name.
    const old = ((await call('GET', '/apps/pushed-moved/dynos')).body as { id: string }[]).map((d) => d.id);
    expect((await call('DELETE', '/apps/pushed-moved/dynos')).status).toBe(202);
    await waitFor('web restarted on the moved image', async () => {
      const dynos = (await call('GET', '/apps/pushed-moved/dynos')).body as { id: string; type: string; state: string }[];
      return dynos.some((d) => d.type === 'web' && d.state === 'up' && !old.includes(d.id)) && !dynos.some((d) => old.includes(d.id));
    }, 60_000);
    expect((await viaRouter(platform.endpoints, 'pushed-moved')).body).toBe('second image as uid 1000\n');

    // Bob takes the old name: its repositories hold nothing of the renamed app's.
    const taken = await fetch(`${platform.endpoints.api}/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, accept: 'application/vnd.heroku+json; version=3', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'pushed' }),
    });
    expect(taken.status).toBe(201);
    const pulled = await docker(bobConfig(), ['pull', `${registry}/pushed/web@${before}`]);
    expect(pulled.code, pulled.out).not.toBe(0);
    expect(pulled.out).toMatch(/manifest unknown|not found/i);
  });

  it('logs in, pushes and releases with the slipway CLI', async () => {
    expect((await call('POST', '/apps', { name: 'cli-pushed' })).status).toBe(201);
    const cli = slipwayCli(platform, { DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(cleanup[0]!, 'cli-docker') });
    const slipway = (args: string[]) => runProgram([...cli.argv, ...args], cli.env, '', context);
    const login = await slipway(['container:login']);
    expect(login.code, login.out).toBe(0);
    expect(login.out).toContain(`Docker is logged in to ${registry}`);
    localTags.push(`${registry}/cli-pushed/web`);
    const pushed = await slipway(['container:push', 'web', '-a', 'cli-pushed', '--arg', `BASE=${registry}/slipway/stack:bookworm`]);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.out).toContain(`Pushed ${registry}/cli-pushed/web`);
    const released = await slipway(['container:release', 'web', '-a', 'cli-pushed']);
    expect(released.code, released.out).toBe(0);
    const body = await waitFor('the CLI-pushed image served', async () => {
      const response = await viaRouter(platform.endpoints, 'cli-pushed');
      return response.status === 200 && response.body;
    }, 60_000);
    expect(body).toBe('pushed image as uid 1000\n');
  });

  it("deletes the app's pushed images with the app: its name may go to another user", async () => {
    const client = registryClient({ registry, registryAuthFile: join(platform.home, 'secrets', 'registry', 'credentials.json') });
    expect(await client.listTags('cli-pushed/web')).not.toEqual([]);
    expect((await call('DELETE', '/apps/cli-pushed')).status).toBe(200);
    expect(await client.listTags('cli-pushed/web')).toEqual([]);
  });
});
