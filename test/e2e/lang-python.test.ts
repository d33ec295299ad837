// Python apps as their communities write them, on the real platform: a Django app with
// gunicorn and whitenoise (requirements.txt) and a Flask app on uv (uv.lock), pushed with git,
// served through the router, then code-only pushes while a client polls (no failed request,
// install skipped), and bad input that must leave the serving release alone.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  commitAll,
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

describe('Python apps through git push and the router', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const repos: Record<string, string> = {};
  const cleanup: string[] = [];
  const measured: string[] = [];

  const push = async (dir: string, app: string) => {
    const started = Date.now();
    const result = await git(dir, ['push', '--force', gitUrl(platform.endpoints, app), 'HEAD:main']);
    return { ...result, ms: Date.now() - started };
  };
  const releases = async (app: string) => ((await call('GET', `/apps/${app}/releases`)).body as unknown[]).length;
  const served = (app: string, text: string, path = '/') =>
    waitFor(`${app} answering ${JSON.stringify(text)} at ${path}`, async () => {
      const res = await viaRouter(platform.endpoints, app, path);
      return res.status === 200 && res.body === text;
    }, 30_000);
  /** Records the size of the app's image as the engine that runs it reports it. */
  const recordImageSize = async (app: string): Promise<void> => {
    const registry = `127.0.0.1:${env.SLIPWAY_REGISTRY_PORT}`;
    const { stdout } = await exec('docker', ['images', '--format', '{{.Repository}} {{.Size}}']);
    const line = stdout.split('\n').find((entry) => entry.startsWith(`${registry}/apps/${app} `));
    measured.push(`${app} image: ${line?.split(' ')[1] ?? '(not found)'}`);
  };

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '30', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    for (const name of ['django', 'flask']) expect((await call('POST', '/apps', { name })).status).toBe(201);
  });

  afterAll(async () => {
    console.log(measured.join('\n'));
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('deploys the Django app: pip, collectstatic, gunicorn by default, a static file from whitenoise', async () => {
    repos.django = await fixtureRepo('python-django');
    cleanup.push(repos.django);
    const result = await push(repos.django, 'django');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Python app detected');
    expect(result.out).toContain('remote: -----> Installing dependencies from requirements.txt');
    expect(result.out).toContain('remote: -----> Running Django collectstatic');
    expect(result.out).toContain('Default types for buildpack -> web');
    expect(result.out).toContain('Released v1');
    await served('django', 'hello from django v1\n');
    await served('django', 'static file served by whitenoise\n', '/static/hello.txt');
    measured.push(`django first push: ${result.ms} ms`);
    await recordImageSize('django');
  }, 1_200_000);

  it('deploys the Flask app on uv', async () => {
    repos.flask = await fixtureRepo('python-flask-uv');
    cleanup.push(repos.flask);
    const result = await push(repos.flask, 'flask');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Installing dependencies from uv.lock');
    expect(result.out).toContain('Procfile declares types -> web');
    await served('flask', 'hello from flask v1\n');
    measured.push(`flask first push: ${result.ms} ms`);
    await recordImageSize('flask');
  }, 1_200_000);

  for (const [app, file, from, to] of [
    ['django', 'mysite/urls.py', 'django v1', 'django v2'],
    ['flask', 'app.py', 'flask v1', 'flask v2'],
  ] as const) {
    it(`a code-only push of ${app} skips the install and replaces v1 with no failed request`, async () => {
      const poller = pollContinuously(platform.endpoints, app);
      await editFile(repos[app]!, file, (text) => text.replace(from, to));
      await commitAll(repos[app]!, 'v2');
      const result = await push(repos[app]!, app);
      expect(result.code, result.out).toBe(0);
      expect(result.out).toContain('remote: -----> Restoring the virtualenv from the cache');
      expect(result.out).not.toMatch(/Installing dependencies|bin\/pip|uv sync/);
      expect(result.out).toContain('Released v2');
      await waitFor(`${app} v2 answering`, async () => poller.result.bodies.has(`hello from ${to}`), 60_000);
      const seen = await poller.stop();
      expect(seen.failures).toEqual([]);
      expect(seen.bodies.get(`hello from ${from}`)).toBeGreaterThan(0);
      expect(seen.requests).toBeGreaterThan(20);
      measured.push(`${app} code-only push: ${result.ms} ms (${seen.requests} polled requests, 0 failed)`);
    }, 600_000);
  }

  it('refuses an unavailable Python version, a broken lockfile and a failing install: clear message, no release, v2 still serving', async () => {
    const cases: Array<{ app: 'django' | 'flask'; file: string; edit: (text: string) => string; message: string }> = [
      { app: 'django', file: '.python-version', edit: () => '3.12\n', message: 'Python 3.12 is not available on the bookworm stack, which has 3.11' },
      { app: 'flask', file: 'uv.lock', edit: (text) => text.replace('[[package]]', '[[package]\nbroken'), message: 'Installing dependencies failed: `uv sync --locked` exited with an error' },
      { app: 'django', file: 'requirements.txt', edit: (text) => `${text}slipway-no-such-package-4711==1.0\n`, message: 'Installing dependencies failed: `pip install -r requirements.txt` exited with an error' },
    ];
    for (const { app, file, edit, message } of cases) {
      const before = await releases(app);
      const dir = repos[app]!;
      await editFile(dir, file, edit);
      await commitAll(dir, `bad ${file}`);
      const result = await push(dir, app);
      expect(result.code, result.out).not.toBe(0);
      expect(result.out).toContain(message);
      expect(await releases(app)).toBe(before);
      expect(await viaRouter(platform.endpoints, app)).toEqual({ status: 200, body: `hello from ${app} v2\n` });
      await git(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    }
  }, 900_000);
});
