// Dockerfile apps on the real platform: a root Dockerfile is built with BuildKit (cache mount,
// build arg), pushed to the platform registry and served through the router as a non-root
// user; heroku.yml picks the Dockerfile, its build args, process types and release phase;
// buildpacks set on the app win; a base image that cannot be had fails with its name while
// the previous release keeps serving (the unreachable base is on loopback: no test dials out).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, commitAll, editFile, fixtureRepo, git, gitUrl, newHome, platformEnv, pollContinuously, removePlatformImages, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

describe('Dockerfile builds', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  const cleanup: string[] = [];

  const push = (app: string) => git(repo, ['push', '--force', gitUrl(platform.endpoints, app), 'HEAD:main']);
  const served = async (app: string) => (await viaRouter(platform.endpoints, app)).body;

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_BOOT_TIMEOUT_SECONDS: '20', SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
    for (const name of ['dockered', 'yml-app']) expect((await call('POST', '/apps', { name })).status).toBe(201);
    repo = await fixtureRepo('docker-perl');
    cleanup.push(repo);
  });

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('builds a root Dockerfile with BuildKit, runs its CMD as web as a non-root user, and serves it', async () => {
    const result = await push('dockered');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Building the Dockerfile with BuildKit');
    expect(result.out).toMatch(/remote: +#\d+ \[\S+ \d\/\d\] RUN --mount=type=cache/);
    expect(result.out).toContain('remote: -----> Released v1');
    const body = await waitFor('the app served', async () => {
      const text = await served('dockered');
      return text.startsWith('hello from docker') && text;
    }, 30_000);
    expect(body).toBe('hello from docker v1 as uid 1000\n');
    const release = (await call('GET', '/apps/dockered/releases')).body.at(-1) as { process_types: Record<string, string> };
    expect(release.process_types).toEqual({ web: 'perl /srv/server.pl' });
  });

  it('redeploys a code change from the layer cache with no failed request', async () => {
    const poller = pollContinuously(platform.endpoints, 'dockered', 120_000);
    await editFile(repo, 'server.pl', (text) => text.replace('from docker v1', 'from docker v2'));
    await commitAll(repo, 'v2');
    const result = await push('dockered');
    expect(result.code, result.out).toBe(0);
    // the build step's layer comes from the cache: the line after its digest says so
    expect(result.out).toMatch(/RUN --mount=type=cache[^\n]*\n[^\n]*#\d+ sha256:[^\n]*\n[^\n]*#\d+ CACHED/);
    await waitFor('v2 served', async () => (await served('dockered')).includes('docker v2'), 30_000);
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
  });

  it("builds what heroku.yml names, with its build args, process types and release phase", async () => {
    await editFile(repo, 'heroku.yml', () =>
      ['build:', '  docker:', '    web: Dockerfile', '  config:', '    GREETING: howdy', 'release:', '  command:', '    - perl', '    - -e', '    - print "release ran as $ENV{DYNO}\\n"', 'run:', '  web: perl /srv/server.pl', ''].join('\n'),
    );
    await commitAll(repo, 'heroku.yml');
    const result = await push('yml-app');
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('release ran as release.1');
    await waitFor('the build arg baked in', async () => (await served('yml-app')).startsWith('howdy from docker v2'), 30_000);
  });

  it('builds with buildpacks when the app sets them, whatever the Dockerfile', async () => {
    const set = await call('PUT', '/apps/yml-app/buildpack-installations', { updates: [{ buildpack: 'heroku/nodejs' }] });
    expect(set.status).toBe(200);
    await commitAll(repo, 'the same code, built with buildpacks');
    const result = await push('yml-app');
    expect(result.code).not.toBe(0);
    expect(result.out).not.toContain('Building the Dockerfile');
    expect(result.out).toMatch(/Node\.js|package\.json/);
  });

  it('fails a build whose base image cannot be pulled, naming it, with the previous release serving', async () => {
    await rm(`${repo}/heroku.yml`);
    await editFile(repo, 'Dockerfile', (text) => text.replace('FROM slipway/stack:bookworm', 'FROM 127.0.0.1:1/no-such-base:1.0'));
    await commitAll(repo, 'unreachable base');
    const before = await served('dockered');
    const result = await push('dockered');
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('The base image 127.0.0.1:1/no-such-base:1.0 could not be pulled');
    expect(result.out).toContain('keeps serving');
    expect(await served('dockered')).toBe(before);
  });
});
