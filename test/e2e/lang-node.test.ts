// End to end on the real platform: a Yarn Berry (Plug'n'Play) Express app and a pnpm
// workspace Fastify app, each pushed with git, served through the router, then a code-only
// push served with no failed request for a client polling throughout, its build skipping
// the install. Prints each push's duration and the builder's total.
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


interface Case {
  app: string;
  fixture: string;
  /** the file whose VERSION constant the code-only push changes */
  serverFile: string;
  /** the first push's log lines that show the manager at work */
  firstPushShows: string[];
  skipped: string;
  body: (version: string) => RegExp;
}

const CASES: Case[] = [
  {
    app: 'berry-pnp',
    fixture: 'e2e-berry',
    serverFile: 'server.js',
    firstPushShows: ['remote: -----> Installing Yarn 4.18.1', 'remote:        $ yarn install --immutable', 'remote:        $ yarn workspaces focus --all --production'],
    skipped: 'remote:        package.json, lockfile, Node.js and Yarn unchanged: Yarn is skipped',
    body: (version) => new RegExp(`^berry ${version} from web\\.1`),
  },
  {
    app: 'pnpm-fastify',
    fixture: 'e2e-pnpm',
    serverFile: 'apps/web/server.js',
    firstPushShows: ['remote: -----> Installing pnpm 10.34.9', 'remote:        $ pnpm install --frozen-lockfile --prod=false'],
    skipped: 'remote:        package.json, lockfile, Node.js and pnpm unchanged: pnpm is skipped',
    body: (version) => new RegExp(`^pnpm ${version} from web\\.1`),
  },
];

describe('Node.js package managers on the platform', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  const cleanup: string[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
  });

  afterAll(async () => {
    console.log(`push timings:\n${timings.join('\n')}`);
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  const push = async (dir: string, c: Case, label: string) => {
    const started = Date.now();
    const result = await git(dir, ['push', '--force', gitUrl(platform.endpoints, c.app), 'HEAD:main']);
    const phases = /Build finished: (.*)/.exec(result.out)?.[1]?.trim() ?? '?';
    const uploaded = /Uploaded (.*)/.exec(result.out)?.[1]?.trim() ?? '?';
    timings.push(`${c.app} ${label}: git push ${((Date.now() - started) / 1000).toFixed(1)} s; build ${phases}; uploaded ${uploaded}`);
    return result;
  };

  for (const c of CASES) {
    describe(c.app, () => {
      let repo: string;

      it('deploys with git push and serves through the router', async () => {
        expect((await call('POST', '/apps', { name: c.app })).status).toBe(201);
        repo = await fixtureRepo(c.fixture);
        cleanup.push(repo);
        const result = await push(repo, c, 'first push');
        expect(result.code, result.out).toBe(0);
        expect(result.out).toContain('Released v1');
        for (const line of c.firstPushShows) expect(result.out).toContain(line);
        const served = await waitFor(`${c.app} v1 through the router`, async () => {
          const res = await viaRouter(platform.endpoints, c.app);
          return res.status === 200 && res.body;
        }, 30_000);
        expect(served).toMatch(c.body('v1'));
      }, 900_000);

      it('serves a code-only push with no failed request, without running the install', async () => {
        const poller = pollContinuously(platform.endpoints, c.app, 600_000);
        await editFile(repo, c.serverFile, (text) => text.replace("const VERSION = 'v1'", "const VERSION = 'v2'"));
        await commitAll(repo, 'v2');
        const result = await push(repo, c, 'code-only push');
        expect(result.code, result.out).toBe(0);
        expect(result.out).toContain('Released v2');
        expect(result.out).toContain(c.skipped);
        expect(result.out).not.toContain('-----> Installing dependencies');
        expect(result.out).toContain('remote:        Uploaded 1 of');
        await waitFor(`${c.app} v2 answering`, async () => [...poller.result.bodies.keys()].some((body) => c.body('v2').test(body)), 60_000);
        const seen = await poller.stop();
        timings.push(`${c.app} code-only push: ${seen.requests} requests while polling, ${seen.failures.length} failed`);
        expect(seen.failures).toEqual([]);
        expect([...seen.bodies.keys()].some((body) => c.body('v1').test(body))).toBe(true);
        expect(seen.requests).toBeGreaterThan(20);
      }, 900_000);
    });
  }
});
