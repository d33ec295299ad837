// Third-party buildpacks on the real platform: buildpacks written for the test, served from a
// git smart-HTTP server and a tarball server on 127.0.0.1, set through the CLI (the
// buildpack-installations API), pushed with git, served through the router; and the bad
// cases (a URL that does not answer, a detect that refuses, no buildpack at all), each one
// clear message, no release, the previous release serving.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentUrl, startBuildpackServer, type BuildpackServer } from '../../buildpacks/testing/buildpack-servers.js';
import { GREETER_BUILDPACK, PICKY_BUILDPACK, TINY_APP, tinylangBuildpack } from '../../buildpacks/testing/test-buildpacks.js';
import { inProcessCli } from '../../cli/testing/cli-harness.js';
import { api, commitAll, git, gitUrl, newHome, platformEnv, startPlatform, viaRouter, waitFor, type RunningPlatform } from './harness.js';

const APP = 'tiny';
const GREETING = 'Salut from ENV_DIR, pw=Zq81-secret';

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('classic buildpacks through the platform', () => {
  let platform: RunningPlatform;
  let server: BuildpackServer;
  let call: ReturnType<typeof api>;
  let slipway: ReturnType<typeof inProcessCli>;
  let tinylang: string;
  let greeter: string;
  let picky: string;
  let repo: string;
  const cleanup: string[] = [];

  const push = () => git(repo, ['push', '--force', gitUrl(platform.endpoints, APP), 'HEAD:main']);
  /** A new commit first: pushing the same one again would be "Everything up-to-date". */
  const pushAgain = async (message: string) => {
    await commitAll(repo, message);
    return push();
  };
  const buildLines = (out: string) => out.split('\n').filter((line) => /Build finished|Released|deployed|fetched in|cached in/.test(line));
  const releaseCount = async () => ((await call('GET', `/apps/${APP}/releases`)).body as unknown[]).length;
  const cli = async (...args: string[]) => {
    const result = await slipway([...args, '-a', APP]);
    expect(result.stderr, result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout.trimEnd().split('\n');
  };

  beforeAll(async () => {
    server = await startBuildpackServer();
    tinylang = `${(await server.addGitBuildpack('tinylang', await tinylangBuildpack())).url}#main`;
    greeter = await server.addTarball('greeter', GREETER_BUILDPACK);
    picky = (await server.addGitBuildpack('picky', PICKY_BUILDPACK)).url;
    const home = await newHome();
    cleanup.push(home);
    const registryFile = join(home, 'buildpack-registry.json');
    await writeFile(registryFile, JSON.stringify({ 'acme/greeter': greeter }));
    platform = await startPlatform(
      await platformEnv(home, {
        SLIPWAY_BUILDPACK_REGISTRY_FILE: registryFile,
        SLIPWAY_BOOT_TIMEOUT_SECONDS: '15',
        SLIPWAY_RECONCILE_INTERVAL_MS: '1000',
        SLIPWAY_STOP_GRACE_SECONDS: '5',
      }),
    );
    call = api(platform.endpoints);
    slipway = inProcessCli({ home, cwd: home, env: { SLIPWAY_API_URL: platform.endpoints.api, SLIPWAY_API_TOKEN: platform.endpoints.token } });
    expect((await call('POST', '/apps', { name: APP })).status).toBe(201);
    expect((await call('PATCH', `/apps/${APP}/config-vars`, { GREETING })).status).toBe(200);

    repo = await mkdtemp(join(tmpdir(), 'slipway-e2e-tiny-'));
    cleanup.push(repo);
    for (const [name, text] of Object.entries(TINY_APP)) {
      await mkdir(dirname(join(repo, name)), { recursive: true });
      await writeFile(join(repo, name), text);
    }
    await git(repo, ['init', '-q', '-b', 'main']);
    await git(repo, ['config', 'user.email', 'e2e@example.com']);
    await git(repo, ['config', 'user.name', 'E2E']);
    await commitAll(repo, 'tiny v1');
  }, 20 * 60_000);

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await server?.stop();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('refuses buildpack installations it could never fetch, with 422s that say why', async () => {
    expect((await call('GET', `/apps/${APP}/buildpack-installations`)).body).toEqual([]);
    const cases: [unknown, RegExp][] = [
      [{ updates: [{ buildpack: 'file:///etc' }] }, /only https:\/\/ and http:\/\/ buildpack URLs are supported/],
      [{ updates: [{ buildpack: 'heroku/ruby' }] }, /heroku\/ruby is not a known buildpack: .*acme\/greeter.*heroku\/nodejs/],
      [{ updates: [{ buildpack: tinylang }, { buildpack: tinylang }] }, /is listed twice/],
      [{ updates: [{ buildpack: 'heroku/nodejs' }, { buildpack: tinylang }] }, /cannot be combined/],
      [{ updates: [{}] }, /updates\.0\.buildpack/],
      [{}, /updates/],
    ];
    for (const [body, message] of cases) {
      const res = await call('PUT', `/apps/${APP}/buildpack-installations`, body);
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(message);
    }
    const cliError = await slipway(['buildpacks:set', 'ftp://x/y', '-a', APP]);
    expect(cliError.code).toBe(1);
    expect(cliError.stderr).toMatch(/only https:\/\/ and http:\/\//);
  });

  it('sets buildpacks through the CLI, in Heroku\'s shapes and words', async () => {
    expect(await cli('buildpacks')).toEqual([`${APP} has no Buildpacks.`]);
    expect(await cli('buildpacks:set', tinylang)).toEqual([
      `Buildpack set. Next release on ${APP} will use ${tinylang}.`,
      'Run git push slipway main to create a new release using this buildpack.',
    ]);
    expect(await cli('buildpacks:add', 'acme/greeter')).toEqual([
      `Buildpack added. Next release on ${APP} will use:`,
      `  1. ${tinylang}`,
      '  2. acme/greeter',
      'Run git push slipway main to create a new release using these buildpacks.',
    ]);
    expect(await cli('buildpacks')).toEqual([`=== ${APP} Buildpack URLs`, `1. ${tinylang}`, '2. acme/greeter']);
    expect((await call('GET', `/apps/${APP}/buildpack-installations`)).body).toEqual([
      { ordinal: 0, buildpack: { url: tinylang, name: tinylang } },
      { ordinal: 1, buildpack: { url: greeter, name: 'acme/greeter' } },
    ]);
  });

  it('builds a push with both buildpacks in order and serves it through the router', async () => {
    const started = Date.now();
    const result = await push();
    console.log(`first push (classic, 2 buildpacks): ${Date.now() - started} ms`, buildLines(result.out));
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> TinyLang app detected');
    expect(result.out).toContain('remote: -----> Greeter app detected');
    expect(result.out).toContain('remote: -----> Deleting 2 files matching .slugignore patterns');
    expect(result.out).toContain('Released v');
    expect(result.out).not.toContain('Zq81-secret');
    const body = await waitFor('the tiny app through the router', async () => {
      const res = await viaRouter(platform.endpoints, APP);
      return res.status === 200 && res.body;
    }, 60_000);
    expect(body).toBe(`hello from TinyLang 1.0\ngreeting: ${GREETING}\nsource: v1\nprofile: loaded\n`);

    await writeFile(join(repo, 'hello.tiny'), 'v2\n');
    await commitAll(repo, 'tiny v2');
    const again = Date.now();
    const second = await push();
    console.log(`code-only push (classic, cached buildpacks): ${Date.now() - again} ms`, buildLines(second.out));
    expect(second.code, second.out).toBe(0);
    expect(occurrences(second.out, ', cached in ')).toBe(2);
    await waitFor('v2 through the router', async () => (await viaRouter(platform.endpoints, APP)).body.includes('source: v2'), 60_000);
  });

  it('fails a push whose buildpack URL does not answer: one clear message, no release, the previous one serving', async () => {
    const silent = await silentUrl('/vanished.git');
    await cli('buildpacks:set', silent, '-i', '1');
    const before = await releaseCount();
    const result = await pushAgain('after the buildpack vanished');
    expect(result.code).not.toBe(0);
    expect(occurrences(result.out, `Could not fetch the buildpack ${silent}: ${silent} did not answer as a git repository`)).toBe(1);
    expect(result.out).toContain('Push rejected, failed to compile the app.');
    expect(await releaseCount()).toBe(before);
    const served = await viaRouter(platform.endpoints, APP);
    expect([served.status, served.body.includes('source: v2')]).toEqual([200, true]);
  });

  it('fails a push whose buildpack refuses the app in bin/detect, the same way', async () => {
    await cli('buildpacks:set', picky, '-i', '1');
    const before = await releaseCount();
    const result = await pushAgain('with a picky buildpack');
    expect(result.code).not.toBe(0);
    expect(occurrences(result.out, `App not compatible with buildpack: ${picky} (its bin/detect exited with code 1).`)).toBe(1);
    expect(await releaseCount()).toBe(before);
    expect((await viaRouter(platform.endpoints, APP)).status).toBe(200);
  });

  it('after buildpacks:clear, says once that no language was detected, listing the built-in buildpacks and how to set one', async () => {
    expect(await cli('buildpacks:remove', '-i', '2')).toEqual([
      `Buildpack removed. Next release on ${APP} will use ${picky}.`,
      'Run git push slipway main to create a new release using this buildpack.',
    ]);
    expect(await cli('buildpacks:clear')).toEqual([`Buildpacks cleared. Next release on ${APP} will detect buildpacks normally.`]);
    const before = await releaseCount();
    const result = await pushAgain('without buildpacks');
    expect(result.code).not.toBe(0);
    expect(occurrences(result.out, 'No default language could be detected for this app.')).toBe(1);
    expect(result.out).toContain('Built-in buildpacks: ');
    for (const builtIn of ['Node.js (slipway/nodejs)', 'Python (slipway/python)', 'Go (slipway/go)']) expect(result.out).toContain(builtIn);
    expect(result.out).toContain('slipway buildpacks:set <buildpack> -a <app>');
    expect(await releaseCount()).toBe(before);
    expect((await viaRouter(platform.endpoints, APP)).status).toBe(200);
  });
});
