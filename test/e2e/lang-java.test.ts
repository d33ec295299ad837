// A Maven web app (Javalin, shaded jar) as a user deploys it: `npm start`'s launcher, git push,
// the JDK from the stack's Debian packages and Maven and the dependencies from Maven Central,
// traffic through the router; then a code-only push from the warm ~/.m2 with a client polling
// throughout, and bad input that leaves the serving release alone.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

const APP_JAVA = 'src/main/java/hello/App.java';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length)).sort();
}

describe('a Maven web app pushed with git', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let call: ReturnType<typeof api>;
  let repo: string;
  let m2: string;
  const cleanup: string[] = [];
  const push = async (dir: string) => {
    const started = Date.now();
    const result = await git(dir, ['push', '--force', gitUrl(platform.endpoints, 'javalin'), 'HEAD:main']);
    return { ...result, seconds: (Date.now() - started) / 1000 };
  };
  const releases = async () => ((await call('GET', '/apps/javalin/releases')).body as unknown[]).length;

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home, { SLIPWAY_RECONCILE_INTERVAL_MS: '1000', SLIPWAY_STOP_GRACE_SECONDS: '5' });
    platform = await startPlatform(env);
    call = api(platform.endpoints);
  }, 900_000);

  afterAll(async () => {
    await platform?.stop().catch(() => {});
    await removePlatformImages(env);
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('builds with Maven on OpenJDK 17 and serves through the router', async () => {
    const created = await call('POST', '/apps', { name: 'javalin' });
    expect(created.status).toBe(201);
    m2 = join(platform.home, 'cache', 'apps', (created.body as { id: string }).id, 'm2', 'repository');
    repo = await fixtureRepo('java-javalin');
    cleanup.push(repo);
    const result = await push(repo);
    console.log(`first push: ${result.seconds} s\n${result.out}`);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('remote: -----> Java app detected');
    expect(result.out).toContain('remote: -----> Building with Maven');
    expect(result.out).toContain('Default types for buildpack -> web');
    expect(result.out).toContain('Released v1');
    const served = await waitFor('v1 through the router', async () => {
      const res = await viaRouter(platform.endpoints, 'javalin');
      return res.status === 200 && res.body;
    }, 60_000);
    expect(served).toBe('Hello from Java v1 on Java 17');
  }, 900_000);

  it('deploys a code-only change from the warm ~/.m2 with no failed request', async () => {
    const before = await filesUnder(m2);
    expect(before.some((path) => path.includes('io/javalin/javalin/6.7.0/'))).toBe(true);
    const poller = pollContinuously(platform.endpoints, 'javalin');
    await editFile(repo, APP_JAVA, (text) => text.replace('Java v1', 'Java v2'));
    await commitAll(repo, 'v2');
    const result = await push(repo);
    console.log(`code-only push: ${result.seconds} s\n${result.out}`);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Released v2');
    await waitFor('v2 answering', async () => poller.result.bodies.has('Hello from Java v2 on Java 17'), 60_000);
    const seen = await poller.stop();
    expect(seen.failures).toEqual([]);
    expect(seen.bodies.has('Hello from Java v1 on Java 17')).toBe(true);
    expect(seen.requests).toBeGreaterThan(20);
    // Nothing was downloaded: the app's Maven repository is file for file what it was.
    expect(await filesUnder(m2)).toEqual(before);
  }, 900_000);

  const failsKeepingV2 = async (edit: (dir: string) => Promise<void>, message: string) => {
    const before = await releases();
    await edit(repo);
    await commitAll(repo, 'bad');
    const result = await push(repo);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain(message);
    expect(await releases()).toBe(before);
    expect((await viaRouter(platform.endpoints, 'javalin')).body).toBe('Hello from Java v2 on Java 17');
    await git(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    return result.out;
  };

  it('fails an unknown Java version, naming what the stacks offer, and v2 keeps serving', async () => {
    const out = await failsKeepingV2((dir) => editFile(dir, 'system.properties', () => 'java.runtime.version=11\n'), 'Java 11 is not available on the bookworm stack');
    expect(out).toContain('Stacks offer: bookworm Java 17; trixie Java 21.');
  }, 300_000);

  it('fails a compile error with javac\'s message, and v2 keeps serving', async () => {
    const out = await failsKeepingV2((dir) => editFile(dir, APP_JAVA, (text) => text.replace('static final String', 'static final Strin')), 'The Maven build failed (exit code 1).');
    expect(out).toMatch(/\[ERROR\] .*App\.java:\[\d+,\d+\] cannot find symbol/);
  }, 600_000);

  it('says Gradle is not available here, and v2 keeps serving', async () => {
    const out = await failsKeepingV2(async (dir) => {
      await git(dir, ['rm', '-q', 'pom.xml']);
      await editFile(dir, 'build.gradle', () => "plugins { id 'application' }\n");
      await editFile(dir, 'settings.gradle', () => "rootProject.name = 'hello'\n");
    }, 'Gradle builds are not available on this platform.');
    expect(out).toContain('services.gradle.org');
  }, 300_000);
});
