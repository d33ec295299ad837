// Integration: static sites built by the real builder on the real stack (nginx from Debian's
// packages), pushed to a real registry, pulled by digest and run as their image says (the app
// user, PORT set), then asked over HTTP on 127.0.0.1 for what static.json promised.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import { appCacheDir, buildApp, removeAppCaches, type BuildOutcome } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { gitArchiveOf, pullBuiltImage, removeTestContainers, TEST_RUN_LABEL, testBuilderConfig, testRunId, uniqueAppName } from '../testing/build-fixtures.js';
import { START_NGINX } from './plan.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
const apps: string[] = [];
const pulled: string[] = [];

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
}, 900_000);

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of apps) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

async function build(appName: string, files: Record<string, string>): Promise<{ outcome: BuildOutcome; lines: string[]; ms: number }> {
  apps.push(`id-${appName}`);
  const lines: string[] = [];
  const started = Date.now();
  const outcome = await buildApp(docker, config, stack, {
    buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    appName,
    appId: `id-${appName}`,
    source: Readable.from(await gitArchiveOf(files)),
    log: (line) => void lines.push(line),
  });
  return { outcome, lines, ms: Date.now() - started };
}

async function buildFails(appName: string, files: Record<string, string>): Promise<{ error: BuildError; lines: string[] }> {
  const lines: string[] = [];
  apps.push(`id-${appName}`);
  const error = await buildApp(docker, config, stack, {
    buildId: `b${Date.now().toString(36)}`,
    appName,
    appId: `id-${appName}`,
    source: Readable.from(await gitArchiveOf(files)),
    log: (line) => void lines.push(line),
  }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(BuildError);
  return { error: error as BuildError, lines };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

interface Served {
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;
  logs(): Promise<string>;
  users(): Promise<string[]>;
  /** `docker stop` (SIGTERM, as the agent stops instances): the exit code and the seconds it took */
  stop(): Promise<{ exitCode: number; seconds: number }>;
}

/** Runs the image as it is (its user, its Cmd: the web process, unless `cmd`) with PORT set; `fn` asks it. */
async function serving<T>(image: string, fn: (served: Served) => Promise<T>, cmd?: string[]): Promise<T> {
  const container = await docker.createContainer({
    Image: image,
    ...(cmd ? { Cmd: cmd } : {}),
    Env: ['PORT=5000'],
    Labels: { [TEST_RUN_LABEL]: testRunId },
    ExposedPorts: { '5000/tcp': {} },
    HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Memory: 256 * 1024 * 1024 },
  });
  try {
    await container.start();
    const port = Number((await container.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort);
    const get: Served['get'] = async (path, headers = {}) => {
      const res = await request(`http://127.0.0.1:${port}${path}`, { headers, headersTimeout: 5000, bodyTimeout: 5000 });
      return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
    };
    await waitFor('nginx answering', () => get('/').then(() => true, () => false), 20_000);
    return await fn({
      get,
      logs: async () => (await container.logs({ stdout: true, stderr: true })).toString(),
      users: async () => ((await container.top({ ps_args: '-o pid,uid,comm' })) as { Processes: string[][] }).Processes.map((p) => p.slice(1).join(' ')),
      stop: async () => {
        const started = Date.now();
        await container.stop({ t: 10 });
        return { exitCode: (await container.inspect()).State.ExitCode, seconds: (Date.now() - started) / 1000 };
      },
    });
  } finally {
    await container.remove({ force: true });
  }
}

const page = (title: string, text: string) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<p>${text}</p>\n<p>${'Padding so the page is worth compressing. '.repeat(10)}</p></body></html>\n`;

describe('a hand-written site: index.html at the root, no static.json', () => {
  const appName = uniqueAppName('static-plain');
  const files = {
    'index.html': page('Plain site', 'plain v1'),
    'about.html': page('About', 'about page'),
    'assets/app-3f9a1b2c4d.js': `console.log(${JSON.stringify('x'.repeat(400))});\n`,
    'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    '.env': 'SECRET=do-not-serve\n',
  };
  let first: BuildOutcome;

  it('is detected, gets nginx, passes nginx -t, and runs nginx as web', async () => {
    const { outcome, lines, ms } = await build(appName, files);
    first = outcome;
    console.log(`static-plain first build: ${ms} ms`, outcome.timings, '\n' + lines.join('\n'));
    expect(lines).toContain('-----> Static site app detected');
    expect(lines).toContain('-----> Checking the nginx configuration');
    expect(lines.some((line) => /syntax is ok/.test(line))).toBe(true);
    expect(lines).toContain("       Serving the app's root directory with nginx");
    expect(outcome.buildpack).toBe('slipway/static');
    expect(outcome.processTypes).toEqual({ web: START_NGINX });
    expect(outcome.versions.nginx).toMatch(/^1\.\d+\.\d+/);
    // stack, nginx (Debian packages), /layers/static, /app
    expect(outcome.layersUploaded).toBeLessThanOrEqual(3);
  }, 900_000);

  it('serves the site as the app user: gzip, no-cache HTML, immutable hashed assets, no dotfiles, access log on stdout', async () => {
    const image = await pull(first);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.User).toBe('1000:1000');
    expect(inspected.Config.Cmd).toEqual(['bash', '-c', START_NGINX]);
    console.log(`static-plain image: ${(inspected.Size / 1e6).toFixed(1)} MB`);
    await serving(image, async ({ get, logs, users, stop }) => {
      const home = await get('/', { 'accept-encoding': 'gzip' });
      expect(home.status).toBe(200);
      expect(home.headers['content-encoding']).toBe('gzip');
      expect(home.headers.vary).toBe('Accept-Encoding');
      expect(home.headers['cache-control']).toBe('no-cache');
      expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(gunzipSync(home.body).toString()).toContain('plain v1');

      const plain = await get('/');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toContain('plain v1');

      const asset = await get('/assets/app-3f9a1b2c4d.js', { 'accept-encoding': 'gzip' });
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(asset.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect((await get('/assets/logo.svg')).headers['cache-control']).toBeUndefined();

      expect((await get('/about.html')).body.toString()).toContain('about page');
      expect((await get('/about')).status).toBe(404); // no clean URLs without static.json
      expect((await get('/.env')).status).toBe(404);
      expect((await get('/nothing-here')).status).toBe(404);

      // the engine's log driver copies the container's stdout asynchronously
      await vi.waitFor(async () => expect(await logs()).toMatch(/method=GET path="\/" status=200 bytes=\d+ duration=[\d.]+s/), { timeout: 10_000, interval: 100 });
      const processes = await users();
      expect(processes.some((p) => p.endsWith('nginx'))).toBe(true);
      expect(processes.every((p) => p.startsWith('1000 '))).toBe(true);

      // SIGTERM becomes nginx's graceful shutdown: it exits 0 at once, not killed after the grace period
      const stopped = await stop();
      expect(stopped.exitCode).toBe(0);
      expect(stopped.seconds).toBeLessThan(5);
      expect(await logs()).toContain('gracefully shutting down');
      // nginx's own notices (which tell the graceful shutdown from the fast one) are logged too in this run
    }, ['bash', '-c', `${START_NGINX} -g 'error_log stderr notice;'`]);
  }, 300_000);

  it('rebuilds a code-only change uploading only the app layer', async () => {
    const { outcome, ms } = await build(appName, { ...files, 'index.html': page('Plain site', 'plain v2') });
    console.log(`static-plain code-only build: ${ms} ms`, outcome.timings);
    expect(outcome.layersUploaded).toBe(1);
    const image = await pull(outcome);
    await serving(image, async ({ get }) => expect((await get('/')).body.toString()).toContain('plain v2'));
  }, 300_000);
});

describe('a site built by Node.js with static.json', () => {
  const appName = uniqueAppName('static-built');
  // The build writes dist/ the way Vite would (hashed assets), plus a precompressed file whose
  // .gz differs from the plain one, so that serving it proves gzip_static.
  const buildScript = `
const fs = require('node:fs');
const zlib = require('node:zlib');
const page = (t) => '<!doctype html><html><head><title>' + t + '</title></head><body><h1>' + t + '</h1>' + 'Built page. '.repeat(40) + '</body></html>';
fs.mkdirSync('dist/assets', { recursive: true });
fs.writeFileSync('dist/index.html', page('spa shell'));
fs.writeFileSync('dist/about.html', page('about built'));
fs.writeFileSync('dist/404.html', page('custom not found'));
fs.writeFileSync('dist/assets/index-B1a2C3d4.js', 'console.log("' + 'y'.repeat(500) + '");');
fs.writeFileSync('dist/data.txt', 'plain copy\\n');
fs.writeFileSync('dist/data.txt.gz', zlib.gzipSync('precompressed copy\\n'));
`;
  const files = {
    'package.json': JSON.stringify({ name: 'built', version: '1.0.0', scripts: { build: 'node build.js' } }),
    'build.js': buildScript,
    'index.html': '<!doctype html><p>source index, not served</p>',
    'static.json': JSON.stringify({
      clean_urls: true,
      error_page: '404.html',
      routes: { '/app/**': 'index.html' },
      redirects: { '/old-about': { url: '/about', status: 301 } },
      https_only: true,
      headers: {
        '/assets/**': { 'X-Kind': 'asset' },
        '/**': { 'X-Kind': 'page', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'self'" },
      },
    }),
  };

  it('runs the Node.js build first, serves its dist/, and leaves Node.js out of the image', async () => {
    const { outcome, lines, ms } = await build(appName, files);
    console.log(`static-built first build: ${ms} ms`, outcome.timings, '\n' + lines.join('\n'));
    expect(lines).toContain('-----> Static site app detected');
    expect(lines).toContain('-----> Building the site with the Node.js buildpack');
    expect(lines).toContain('-----> Running the build script');
    expect(lines.some((line) => line.includes('No web process'))).toBe(false);
    expect(lines).toContain('       Serving dist/ with nginx');
    expect(outcome.versions).toEqual({ node: expect.any(String), npm: expect.any(String), nginx: expect.stringMatching(/^1\./) });
    expect(outcome.processTypes).toEqual({ web: START_NGINX });

    const image = await pull(outcome);
    const listing = await docker.getImage(image).history();
    expect(listing.some((layer: { CreatedBy: string }) => layer.CreatedBy.includes('Node.js'))).toBe(false);

    await serving(image, async ({ get }) => {
      const about = await get('/about');
      expect(about.status).toBe(200);
      expect(about.body.toString()).toContain('about built');

      const deep = await get('/app/users/42');
      expect(deep.status).toBe(200);
      expect(deep.body.toString()).toContain('spa shell');
      expect(deep.headers['cache-control']).toBe('no-cache');

      const missing = await get('/nope');
      expect(missing.status).toBe(404);
      expect(missing.body.toString()).toContain('custom not found');

      const old = await get('/old-about');
      expect(old.status).toBe(301);
      expect(old.headers.location).toBe('/about');

      const http = await get('/about', { 'x-forwarded-proto': 'http', host: 'site.example.com' });
      expect(http.status).toBe(301);
      expect(http.headers.location).toBe('https://site.example.com/about');
      expect((await get('/about', { 'x-forwarded-proto': 'https' })).status).toBe(200);

      expect(about.headers['x-kind']).toBe('page');
      expect(about.headers['x-frame-options']).toBe('DENY');
      expect(about.headers['content-security-policy']).toBe("default-src 'self'");
      const asset = await get('/assets/index-B1a2C3d4.js');
      expect(asset.headers['x-kind']).toBe('asset');
      expect(asset.headers['x-frame-options']).toBe('DENY');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

      const pre = await get('/data.txt', { 'accept-encoding': 'gzip' });
      expect(pre.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(pre.body).toString()).toBe('precompressed copy\n');
      expect((await get('/data.txt')).body.toString()).toBe('plain copy\n');
      expect((await get('/static.json')).status).toBe(404);
    });
  }, 900_000);
});

/** The check made beside the build step had finished (its mark written) by the time the build failed. */
async function expectCheckFinished(appName: string): Promise<void> {
  const written = await readdir(join(appCacheDir(config.cacheDir, `id-${appName}`), 'static')).catch(() => []);
  expect(written.filter((name) => name.startsWith('checked-'))).toHaveLength(1);
}

describe('a built site whose static.json names the root', () => {
  const files = {
    'package.json': JSON.stringify({ name: 'rooted', version: '1.0.0', scripts: { build: 'node build.js' } }),
    'build.js': "require('node:fs').mkdirSync('out', { recursive: true }); require('node:fs').writeFileSync('out/index.html', '<h1>rooted build</h1>');",
    'static.json': JSON.stringify({ root: 'out/' }),
  };

  it('checks nginx meanwhile, printing the check after the build step under its own heading', async () => {
    const { outcome, lines } = await build(uniqueAppName('static-rooted'), files);
    expect(outcome.timings.check).toBeGreaterThan(0);
    const at = (line: string) => lines.indexOf(line);
    expect(at('       Serving out/ with nginx')).toBeGreaterThan(at('-----> Running the build script'));
    const check = at('-----> Checking the nginx configuration');
    expect(check).toBeGreaterThan(at('       Serving out/ with nginx'));
    // the check's own lines follow its heading, nothing of the build step between them
    expect(lines.slice(check + 1, check + 4)).toEqual([
      '       $ /layers/static/bin/start-nginx -t',
      expect.stringContaining('syntax is ok'),
      expect.stringContaining('test is successful'),
    ]);
    const image = await pull(outcome);
    await serving(image, async ({ get }) => expect((await get('/')).body.toString()).toContain('rooted build'));
  }, 600_000);

  it("fails with the build step's error when the build fails, once the check beside it has finished", async () => {
    const appName = uniqueAppName('static-rooted-fail');
    // an unknown Node.js version fails the build step in milliseconds, long before the check's container is done
    const packageJson = JSON.stringify({ name: 'rooted', version: '1.0.0', engines: { node: '99.x' }, scripts: { build: 'node build.js' } });
    const { error } = await buildFails(appName, { ...files, 'package.json': packageJson });
    expect(error.reason).toMatch(/99\.x/);
    await expectCheckFinished(appName);
  }, 600_000);

  it('fails when the build did not write the named root', async () => {
    const { error } = await buildFails(uniqueAppName('static-rooted-none'), { ...files, 'build.js': 'console.log("wrote nothing")' });
    expect(error.reason).toBe('static.json\'s root "out" is not a directory of the app after the build.');
  }, 600_000);
});

describe('static.json pointing at files the site lacks', () => {
  it('warns about each missing route target or error page, and still builds', async () => {
    const { outcome, lines } = await build(uniqueAppName('static-missing'), {
      'index.html': page('x', 'y'),
      'docs/index.html': page('docs', 'docs'),
      'static.json': JSON.stringify({ routes: { '/docs/**': 'docs/', '/**': 'app.html' }, error_page: 'errors/404.html' }),
    });
    expect(outcome.buildpack).toBe('slipway/static');
    const warnings = lines.filter((line) => line.includes('which the site does not have'));
    expect(warnings).toEqual([
      expect.stringContaining('static.json\'s routes["/**"] names /app.html, which the site does not have.'),
      expect.stringContaining('static.json\'s error_page names /errors/404.html, which the site does not have.'),
    ]);
  }, 300_000);
});

describe('bad static sites', () => {
  it('fails on an invalid static.json naming the field, before building anything', async () => {
    const { error, lines } = await buildFails(uniqueAppName('static-bad'), {
      'index.html': page('x', 'y'),
      'static.json': JSON.stringify({ headers: { '/**': { 'X-Bad': 'a\nb' } }, clean_urls: 'yes' }),
    });
    expect(error.reason).toBe(
      'static.json is invalid: clean_urls: must be boolean; headers["/**"]["X-Bad"]: must not contain control characters (such as line breaks).',
    );
    expect(lines.some((line) => line.startsWith('-----> Installing nginx'))).toBe(false);
  }, 120_000);

  it('fails when the root static.json names is not there after the build', async () => {
    const { error } = await buildFails(uniqueAppName('static-noroot'), {
      'index.html': page('x', 'y'),
      'static.json': JSON.stringify({ root: 'build/' }),
    });
    expect(error.reason).toBe('static.json\'s root "build" is not a directory of the app.');
  }, 120_000);

  it('fails when a build step wrote no site and static.json names no root, rather than serve the source', async () => {
    const { error } = await buildFails(uniqueAppName('static-nobuild'), {
      'package.json': JSON.stringify({ name: 'nobuild', version: '1.0.0', scripts: { build: 'node -e "1"' } }),
      'index.html': page('x', 'y'),
      'static.json': '{}',
    });
    expect(error.reason).toBe('The build wrote none of dist/, public/, public_html/, so there is no site to serve.');
  }, 300_000);
});
