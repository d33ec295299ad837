// Integration: classic buildpacks served from git and tarball servers on 127.0.0.1, built by
// the real builder (stack, Docker Engine, registry), the image pulled by digest and run.
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildApp, removeAppCaches, type BuildOutcome } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { LAUNCHER_ENV } from '../launcher.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { silentUrl, startBuildpackServer, type BuildpackServer } from '../testing/buildpack-servers.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from '../testing/build-fixtures.js';
import { GREETER_BUILDPACK, PICKY_BUILDPACK, TINY_APP, tinylangBuildpack } from '../testing/test-buildpacks.js';

const docker = new Docker();
let registry: RunningService;
let server: BuildpackServer;
let config: BuilderConfig;
let stack: Stack;
let tinylang: string;
let greeter: string;
const apps: string[] = [];
const pulled: string[] = [];
const GREETING = 'Bonjour, ENV_DIR s3cret-value';

beforeAll(async () => {
  registry = await startTestRegistry();
  server = await startBuildpackServer();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
  tinylang = `${(await server.addGitBuildpack(`tinylang-${Date.now()}`, await tinylangBuildpack())).url}#main`;
  greeter = await server.addTarball(`greeter-${Date.now()}`, GREETER_BUILDPACK);
});

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of apps) await removeAppCaches(config.cacheDir, appId);
  await server?.stop();
  await registry?.stop();
});

async function build(appName: string, files: Record<string, string>, options: { buildpacks?: string[]; configVars?: Record<string, string> } = {}) {
  const appId = `id-${appName}`;
  apps.push(appId);
  const lines: string[] = [];
  const started = Date.now();
  const run = buildApp(docker, config, stack, {
    buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    appName,
    appId,
    source: Readable.from(await gitArchiveOf(files)),
    log: (line) => void lines.push(line),
    buildpacks: options.buildpacks,
    configVars: options.configVars,
  });
  return { run, lines, elapsed: () => Date.now() - started };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

async function failure(run: Promise<BuildOutcome>): Promise<BuildError> {
  const err = await run.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BuildError);
  return err as BuildError;
}

describe('classic buildpacks', () => {
  const appName = uniqueAppName('tiny');

  it('runs two buildpacks in order (the second sees the first\'s export), with config vars in ENV_DIR, .slugignore applied and .profile.d sourced at start', async () => {
    const { run, lines, elapsed } = await build(appName, TINY_APP, { buildpacks: [tinylang, greeter], configVars: { GREETING } });
    const outcome = await run;
    console.log(lines.join('\n'));
    console.log(`first classic build: ${elapsed()} ms`, outcome.timings);
    expect(outcome.buildpack).toBe(`${tinylang} ${greeter}`);
    expect(outcome.processTypes).toEqual({ web: 'tiny serve /app/page.txt', worker: 'tiny version' });
    expect(lines).toContain('-----> Deleting 2 files matching .slugignore patterns');
    expect(lines).toContain('-----> TinyLang app detected');
    expect(lines).toContain('-----> Greeter app detected');
    expect(lines).toContain('       TinyLang 1.0 unpacked from the buildpack');
    expect(lines).toContain('-----> Writing the page with TinyLang 1.0');
    expect(lines).toContain('       Default types for buildpack -> web, worker');
    expect(lines.join('\n')).not.toContain('s3cret-value');

    const image = await pull(outcome);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.Env).toEqual(expect.arrayContaining([LAUNCHER_ENV, 'HOME=/app']));
    expect(inspected.Config.User).toBe('1000:1000');
    const served = await serveOnce(docker, image, outcome.processTypes.web!);
    expect(served.body).toBe(`hello from TinyLang 1.0\ngreeting: ${GREETING}\nsource: v1\nprofile: loaded\n`);
    const listing = await runInImage(docker, image, ['bash', '-c', 'ls -A /app; ls /app/art; command -v tiny']);
    expect(listing.output.split('\n')).toEqual(['.profile.d', '.slugignore', '.tinylang', 'art', 'greeting.txt', 'hello.tiny', 'page.txt', '/app/.tinylang/bin/tiny', '']);
  }, 900_000);

  it('builds a code-only push from cached buildpacks and the buildpack\'s own cache', async () => {
    const { run, lines, elapsed } = await build(appName, { ...TINY_APP, 'hello.tiny': 'v2\n' }, { buildpacks: [tinylang, greeter], configVars: { GREETING } });
    const outcome = await run;
    console.log(`code-only classic build: ${elapsed()} ms`, outcome.timings);
    expect(lines.filter((line) => line.includes('cached in'))).toHaveLength(2);
    expect(lines).toContain('       Using the cached TinyLang');
    const served = await serveOnce(docker, await pull(outcome), outcome.processTypes.web!);
    expect(served.body).toContain('source: v2\n');
  }, 900_000);

  it('fails with the buildpack named when its detect refuses the app, or its URL does not answer', async () => {
    const picky = (await server.addGitBuildpack(`picky-${Date.now()}`, PICKY_BUILDPACK)).url;
    const refused = await build(uniqueAppName('picky'), TINY_APP, { buildpacks: [tinylang, picky] });
    const detectError = await failure(refused.run);
    expect(detectError.reason).toBe(`App not compatible with buildpack: ${picky} (its bin/detect exited with code 1).`);
    expect(refused.lines.filter((line) => line.includes('App not compatible'))).toHaveLength(1);
    expect(refused.lines).not.toContain('-----> TinyLang app detected');

    const silent = await silentUrl('/gone.git');
    const unreachable = await build(uniqueAppName('gone'), TINY_APP, { buildpacks: [silent] });
    expect((await failure(unreachable.run)).reason).toMatch(new RegExp(`^Could not fetch the buildpack ${silent}: ${silent} did not answer as a git repository`));
    expect(unreachable.lines).toContain(` !     Check the URL with \`slipway buildpacks\`, or change it with \`slipway buildpacks:set URL\`.`);
  }, 900_000);
});

describe('built-in buildpacks by name, with config vars', () => {
  it('exports config vars from ENV_DIR into the Node.js build scripts, without logging them', async () => {
    const files = await fixtureFiles('node-hello');
    const pkg = JSON.parse(files['package.json']!) as { scripts?: Record<string, string> };
    pkg.scripts = { ...pkg.scripts, build: 'node -e "require(\'fs\').writeFileSync(\'built.txt\', process.env.GREETING)"' };
    const { run, lines } = await build(uniqueAppName('envnode'), { ...files, 'package.json': JSON.stringify(pkg) }, { buildpacks: ['heroku/nodejs'], configVars: { GREETING } });
    const outcome = await run;
    expect(outcome.buildpack).toBe('slipway/nodejs');
    expect(lines.join('\n')).not.toContain('s3cret-value');
    const image = await pull(outcome);
    expect((await runInImage(docker, image, ['cat', '/app/built.txt'])).output).toBe(GREETING);
  }, 900_000);

  it('refuses an app the named built-in buildpack does not fit', async () => {
    const { run } = await build(uniqueAppName('notnode'), TINY_APP, { buildpacks: ['heroku/nodejs'] });
    const err = await failure(run);
    expect(err.reason).toBe('App not compatible with buildpack: heroku/nodejs.');
    expect(err.outputTail).toEqual(['Node.js needs a package.json at the root of the repository.']);
  }, 900_000);
});
