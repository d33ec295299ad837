// A Go web app (chi, from the Go module proxy) on the real platform: pushed with git, built
// by the Go buildpack, served through the router; a code-only push with a client polling
// throughout; a vendored app; a compile error and an unknown Go version, each failing the
// push with a clear message while the previous release keeps serving.
import { rm } from 'node:fs/promises';
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

describe('a Go app on the platform', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  const cleanup: string[] = [];
  const timings: string[] = [];

  const push = async (dir: string, app: string) => {
    const started = Date.now();
    const result = await git(dir, ['push', '--force', gitUrl(platform.endpoints, app), 'HEAD:main']);
    const build = /Build finished: (total [^\n]*)/.exec(result.out)?.[1]?.trim() ?? '(no build summary)';
    return { ...result, seconds: (Date.now() - started) / 1000, build };
  };
  const releases = async (app: string) => ((await call('GET', `/apps/${app}/releases`)).body as unknown[]).length;

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    for (const name of ['goweb', 'gosecond', 'govendor']) expect((await call('POST', '/apps', { name })).status).toBe(201);
  }, 900_000);

  afterAll(async () => {
    console.log(`Go push timings:\n${timings.join('\n')}`);
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('deploys a chi app with git push (the toolchain fetched from the proxy) and serves it through the router', async () => {
    repo = await fixtureRepo('go-chi');
    cleanup.push(repo);
    const result = await push(repo, 'goweb');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Go app detected');
    expect(result.out).toMatch(/remote: {8}Downloaded from https:\/\/proxy\.golang\.org and verified \(h1:/);
    expect(result.out).toContain('Released v1');
    timings.push(`first push, toolchain downloaded: ${result.seconds.toFixed(1)} s (${result.build})`);
    const served = await waitFor('v1 through the router', async () => {
      const res = await viaRouter(platform.endpoints, 'goweb');
      return res.status === 200 && res.body;
    }, 15_000);
    expect(served).toBe('hello v1 from go web.1\n');
    expect((await viaRouter(platform.endpoints, 'goweb', '/greet/gopher')).body).toBe('hi gopher\n');
  }, 900_000);

  it('builds a second app with the toolchain cached', async () => {
    const second = await fixtureRepo('go-chi');
    cleanup.push(second);
    const result = await push(second, 'gosecond');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote:        Using the cached toolchain');
    timings.push(`first push, toolchain cached: ${result.seconds.toFixed(1)} s (${result.build})`);
    await waitFor('the second app served', async () => (await viaRouter(platform.endpoints, 'gosecond')).body.startsWith('hello v1'), 15_000);
  }, 900_000);

  it('recompiles a code-only push with warm caches while a client polls, with no failed request', async () => {
    const poller = pollContinuously(platform.endpoints, 'goweb');
    await editFile(repo, 'main.go', (text) => text.replace('const version = "v1"', 'const version = "v2"'));
    await commitAll(repo, 'v2');
    const result = await push(repo, 'goweb');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Released v2');
    timings.push(`code-only push: ${result.seconds.toFixed(1)} s (${result.build})`);
    await waitFor('v2 answering', async () => poller.result.bodies.has('hello v2 from go web.1'));
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect(seen.bodies.has('hello v1 from go web.1')).toBe(true);
    expect(seen.requests).toBeGreaterThan(20);
  }, 900_000);

  it('fails a push that does not compile, with the compiler\'s lines, creating no release while v2 keeps serving', async () => {
    const before = await releases('goweb');
    await editFile(repo, 'main.go', (text) => text.replace('r.Get("/", func', 'r.Gett("/", func'));
    await commitAll(repo, 'typo');
    const result = await push(repo, 'goweb');
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/remote: {8}.*main\.go:\d+:\d+: r\.Gett undefined/);
    expect(result.out).toContain('The Go build failed: the compiler\'s errors are above (exit code 1).');
    expect(await releases('goweb')).toBe(before);
    expect((await viaRouter(platform.endpoints, 'goweb')).body).toBe('hello v2 from go web.1\n');
  }, 900_000);

  it('fails a push asking for a Go version the proxy does not have, naming the nearest ones', async () => {
    const before = await releases('goweb');
    await editFile(repo, 'main.go', (text) => text.replace('r.Gett("/", func', 'r.Get("/", func'));
    await editFile(repo, 'go.mod', (text) => text.replace('go 1.24', 'go 1.24\n\ntoolchain go1.24.99'));
    await commitAll(repo, 'unknown toolchain');
    const result = await push(repo, 'goweb');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('Go 1.24.99 (go.mod\'s `toolchain go1.24.99` line) is not available from the Go module proxy.');
    expect(result.out).toMatch(/Nearest available: 1\.24\.\d+, /);
    expect(await releases('goweb')).toBe(before);
    expect((await viaRouter(platform.endpoints, 'goweb')).body).toBe('hello v2 from go web.1\n');
  }, 900_000);

  it('deploys a vendored app (vendor/modules.txt), its program under cmd/ and named in the Procfile', async () => {
    const vendored = await fixtureRepo('go-vendored');
    cleanup.push(vendored);
    const result = await push(vendored, 'govendor');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Using vendored modules (vendor/modules.txt): nothing is downloaded');
    timings.push(`vendored app, first push: ${result.seconds.toFixed(1)} s (${result.build})`);
    const served = await waitFor('the vendored app served', async () => {
      const res = await viaRouter(platform.endpoints, 'govendor');
      return res.status === 200 && res.body;
    }, 15_000);
    expect(served).toBe('vendored v1 from go web.1\n');
  }, 900_000);
});
