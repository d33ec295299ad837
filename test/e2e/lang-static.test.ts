// Static sites on the whole platform, as a user deploys them: a hand-written index.html and a
// Vite app (vite from the npm registry, built by the Node.js buildpack, served by nginx from
// static.json) pushed with git and asked through the router; a code-only push under a polling
// client; an invalid static.json refused with no release while the previous one keeps serving.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
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

describe('static sites', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const cleanup: string[] = [];
  const timings: Record<string, number> = {};

  /** A GET through the router with request headers (loopback only); the body as sent (not decompressed). */
  const get = async (app: string, path: string, headers: Record<string, string> = {}) => {
    const res = await request(`${platform.endpoints.router}${path}`, {
      headers: { host: `${app}.${platform.endpoints.appsDomain}`, ...headers },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };
  const push = async (dir: string, app: string, label: string) => {
    const started = Date.now();
    const result = await git(dir, ['push', '--force', gitUrl(platform.endpoints, app), 'HEAD:main']);
    timings[label] = Date.now() - started;
    console.log(`${label}: ${/Build finished: .*/.exec(result.out)?.[0] ?? 'no build'}`);
    return result;
  };
  const releases = async (app: string) => (await call('GET', `/apps/${app}/releases`)).body as { version: number }[];

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
  }, 20 * 60_000);

  afterAll(async () => {
    console.log('static sites: push times (ms)', timings);
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('serves a hand-written index.html site: detected without static.json, gzip, HTML revalidated, hashed CSS immutable', async () => {
    expect((await call('POST', '/apps', { name: 'plain-site' })).status).toBe(201);
    const repo = await fixtureRepo('static-plain');
    cleanup.push(repo);
    const result = await push(repo, 'plain-site', 'plain first push');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Static site app detected');
    expect(result.out).toContain('Released v1');
    await waitFor('plain-site served', async () => (await viaRouter(platform.endpoints, 'plain-site')).body.includes('plain v1'), 60_000);

    const home = await get('plain-site', '/', { 'accept-encoding': 'gzip' });
    expect(home.status).toBe(200);
    expect(home.headers['content-encoding']).toBe('gzip');
    expect(home.headers['cache-control']).toBe('no-cache');
    expect(gunzipSync(home.body).toString()).toContain('plain v1');
    const css = await get('plain-site', '/assets/site-7c41e9a2b3.css', { 'accept-encoding': 'gzip' });
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['content-encoding']).toBe('gzip');
  }, 20 * 60_000);

  let vite: string;

  it('builds a Vite app with the Node.js buildpack and serves dist/ from static.json through the router', async () => {
    expect((await call('POST', '/apps', { name: 'vite-site' })).status).toBe(201);
    vite = await fixtureRepo('static-vite');
    cleanup.push(vite);
    const result = await push(vite, 'vite-site', 'vite first push');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Building the site with the Node.js buildpack');
    expect(result.out).toContain('remote:        Serving dist/ with nginx');
    expect(result.out).toContain('Released v1');
    await waitFor('vite-site served', async () => (await viaRouter(platform.endpoints, 'vite-site')).body.includes('site v1'), 60_000);

    const home = await get('vite-site', '/', { 'accept-encoding': 'gzip' });
    expect(home.status).toBe(200);
    expect(home.headers['content-encoding']).toBe('gzip');
    expect(home.headers['cache-control']).toBe('no-cache');
    expect(home.headers['x-static-site']).toBe('vite');
    const html = gunzipSync(home.body).toString();
    const script = /<script type="module" crossorigin src="(\/assets\/index-[A-Za-z0-9_-]+\.js)">/.exec(html)?.[1];
    expect(script, html).toBeDefined();

    const asset = await get('vite-site', script!, { 'accept-encoding': 'gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['x-static-site']).toBe('vite');
    expect(gunzipSync(asset.body).toString()).toContain('rendered by the bundled script');

    const about = await get('vite-site', '/about');
    expect(about.status).toBe(200);
    expect(about.body.toString()).toContain('Served at /about through clean URLs.');

    const deep = await get('vite-site', '/users/42/settings');
    expect(deep.status).toBe(200);
    expect(deep.body.toString()).toContain(script!);
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect(deep.headers['x-content-type-options']).toBe('nosniff');

    const { stdout } = await exec('docker', ['images', '--format', '{{.Repository}} {{.Size}}']);
    console.log('vite-site image size:', stdout.split('\n').filter((line) => line.includes('/apps/vite-site')).join('; '));
  }, 20 * 60_000);

  it('deploys a code-only change with no failed request for a polling client', async () => {
    const poller = pollContinuously(platform.endpoints, 'vite-site');
    await editFile(vite, 'index.html', (text) => text.replace('site v1', 'site v2'));
    await commitAll(vite, 'v2');
    const result = await push(vite, 'vite-site', 'vite code-only push');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Released v2');
    // the unpruned tree from the first push: Vite (a devDependency) builds without a new install
    expect(result.out).toContain('npm is skipped, devDependencies kept for the build script');
    expect(result.out).not.toContain('Installing dependencies');
    expect(result.out).toContain('Unchanged since nginx last accepted it');
    await waitFor('site v2 answering', async () => [...poller.result.bodies.keys()].some((body) => body.includes('site v2')));
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect([...seen.bodies.keys()].some((body) => body.includes('site v1'))).toBe(true);
    expect(seen.requests).toBeGreaterThan(20);
  }, 20 * 60_000);

  it('refuses an invalid static.json with a message naming the field, makes no release, and keeps serving', async () => {
    await editFile(vite, 'static.json', (text) => text.replace('"clean_urls": true', '"clean_urls": "yes"'));
    await commitAll(vite, 'bad static.json');
    const result = await push(vite, 'vite-site', 'vite bad push');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('static.json is invalid: clean_urls: must be boolean.');
    expect(result.out).not.toContain('Released v3');
    expect((await releases('vite-site')).map((r) => r.version)).toEqual([1, 2]);
    const still = await viaRouter(platform.endpoints, 'vite-site');
    expect(still.status).toBe(200);
    expect(still.body).toContain('site v2');
  }, 10 * 60_000);
});
