// Integration: Node.js apps on Yarn 1, Yarn Berry (PnP and node-modules) and pnpm (a
// workspace), built by the real builder on the real stack, Docker Engine, registry and npm
// registry, then run from the pushed image; and the bad inputs, each a clear message.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../supervisor/services.js';
import { startTestRegistry } from '../test/support/services.js';
import { buildApp, removeAppCaches, type BuildOutcome } from './build.js';
import type { BuilderConfig } from './config.js';
import { downloadVerified, outboundDispatcher } from './downloads.js';
import { BuildError } from './errors.js';
import { NpmRegistryMetadata } from './nodejs/metadata.js';
import { expectedHash } from './nodejs/npm-http.js';
import { extractPackageTarball } from './package-tarball.js';
import { ensureStack, type Stack } from './stack/ensure.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from './testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
const pulled: string[] = [];
const apps: string[] = [];

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
  try {
    const outcome = await buildApp(docker, config, stack, {
      buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      appName,
      appId: `id-${appName}`,
      source: Readable.from(await gitArchiveOf(files)),
      log: (line) => void lines.push(line),
    });
    return { outcome, lines, ms: Date.now() - started };
  } finally {
    console.log(`${appName}: ${Date.now() - started} ms\n${lines.join('\n')}`);
  }
}

async function failure(appName: string, files: Record<string, string>): Promise<{ error: BuildError; lines: string[] }> {
  const result = await build(appName, files).then(
    () => null,
    (err: unknown) => err,
  );
  expect(result).toBeInstanceOf(BuildError);
  return { error: result as BuildError, lines: [] };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

/** Yarn's single-file release, as `yarn set version` commits it: bin/yarn.js of @yarnpkg/cli-dist, from the npm registry. */
async function yarnRelease(version: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-yarn-release-'));
  try {
    const dispatcher = await outboundDispatcher(config.caFile);
    const info = (await new NpmRegistryMetadata({ registryUrl: config.npmRegistry, cacheDir: dir, maxAgeMs: 0, dispatcher }).get('@yarnpkg/cli-dist')).versions[version]!;
    await downloadVerified(info.dist.tarball, expectedHash(info.dist.integrity, info.dist.shasum)!, join(dir, 'yarn.tgz'), dispatcher);
    await dispatcher.close();
    await extractPackageTarball(join(dir, 'yarn.tgz'), join(dir, 'package'));
    return await readFile(join(dir, 'package', 'bin', 'yarn.js'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const shell = async (image: string, script: string) => (await runInImage(docker, image, ['bash', '-c', script])).output.trim().split('\n');

describe('Yarn 1', () => {
  const appName = uniqueAppName('yarn1');

  it('runs heroku-prebuild, installs from yarn.lock with devDependencies, builds, prunes, and serves', async () => {
    const { outcome, lines } = await build(appName, await fixtureFiles('node-yarn1'));
    expect(lines).toContain('-----> Resolving Node.js and Yarn versions');
    expect(lines).toContain('       engines.yarn "1.x" resolved to 1.22.22');
    // Yarn is fetched while Node.js unpacks, but its lines come after the runtime's
    const installHeadings = lines.filter((line) => /^-----> (Installing (Node\.js|Yarn)|Installing dependencies)/.test(line));
    expect(installHeadings.map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual(['Installing Node.js', 'Installing Yarn', 'Installing dependencies']);
    const versionLine = lines.indexOf('       engines.yarn "1.x" resolved to 1.22.22');
    expect(versionLine).toBeGreaterThan(lines.findIndex((line) => line.startsWith('-----> Installing Node.js')));
    expect(versionLine).toBeLessThan(lines.findIndex((line) => line.startsWith('-----> Installing Yarn')));
    const headings = lines.filter((line) => line.startsWith('-----> Running') || line.startsWith('-----> Installing dependencies') || line.startsWith('-----> Pruning'));
    expect(headings).toEqual([
      '-----> Running the heroku-prebuild script',
      '-----> Installing dependencies from yarn.lock',
      '-----> Running the build script',
      '-----> Pruning devDependencies',
    ]);
    expect(lines).toContain('       $ yarn install --frozen-lockfile --production=false --non-interactive');
    expect(outcome.versions.yarn).toBe('1.22.22');
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('yarn1 1m built after prebuild ran, isNumber(5)=true');
    expect(await shell(image, 'yarn --version; test -e /app/node_modules/is-number && echo dev-kept || echo dev-pruned; test -e /app/.cache && echo cache-in-app || echo clean'))
      .toEqual(['1.22.22', 'dev-pruned', 'clean']);
  }, 900_000);

  it('builds a code-only change from the cached unpruned tree: no install, the build script still sees devDependencies, then prunes', async () => {
    const files = await fixtureFiles('node-yarn1');
    files['build.js'] = `${files['build.js']}\n// changed\n`;
    const { outcome, lines } = await build(appName, files);
    expect(lines).toContain('       package.json, lockfile, Node.js and Yarn unchanged: Yarn is skipped, devDependencies kept for the build script');
    expect(lines.some((line) => line.startsWith('-----> Installing dependencies'))).toBe(false);
    expect(lines).toContain('-----> Running the build script');
    expect(lines).toContain('-----> Pruning devDependencies');
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('yarn1 1m built after prebuild ran, isNumber(5)=true');
    expect(await shell(image, 'test -e /app/node_modules/is-number && echo dev-kept || echo dev-pruned')).toEqual(['dev-pruned']);
  }, 900_000);
});

describe('Yarn Berry, Plug\'n\'Play', () => {
  const appName = uniqueAppName('berrypnp');
  let first: BuildOutcome;

  it('installs immutably into .yarn/cache + .pnp.cjs, prunes with workspaces focus, and serves an ES module through the PnP loader', async () => {
    const { outcome, lines } = await build(appName, await fixtureFiles('node-berry-pnp'));
    first = outcome;
    expect(lines).toContain('       "packageManager" in package.json: yarn@4.18.1');
    expect(lines).toContain('       $ yarn install --immutable');
    expect(lines).toContain('       $ yarn workspaces focus --all --production');
    const image = await pull(outcome);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.Env).toContain('NODE_OPTIONS=--require /app/.pnp.cjs --experimental-loader /app/.pnp.loader.mjs');
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('berry-pnp 1m');
    expect(await shell(image, 'test -e /app/node_modules && echo node_modules || echo pnp; ls /app/.yarn/cache | grep -c "^ms-npm"; grep -c is-number /app/.pnp.cjs'))
      .toEqual(['pnp', '1', '0']);
  }, 900_000);

  it('skips the install on a code-only push, uploading only the app layer', async () => {
    const files = await fixtureFiles('node-berry-pnp');
    files['server.js'] = files['server.js']!.replace('berry-pnp', 'berry-pnp v2');
    const { outcome, lines } = await build(appName, files);
    expect(lines).toContain('       package.json, lockfile, Node.js and Yarn unchanged: Yarn is skipped');
    expect(outcome.timings.dependencies).toBeUndefined();
    expect(outcome.layersUploaded).toBe(1);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('berry-pnp v2 1m');
    expect(first.image.digest).not.toBe(outcome.image.digest);
  }, 900_000);
});

describe('Yarn Berry, node-modules linker', () => {
  it('installs into node_modules, prunes devDependencies and serves', async () => {
    const { outcome } = await build(uniqueAppName('berrynm'), await fixtureFiles('node-berry-nm'));
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('berry-nm 1m');
    expect(await shell(image, 'test -e /app/node_modules/ms && echo ms; test -e /app/node_modules/is-number && echo dev-kept || echo dev-pruned; test -e /app/.yarn/cache && echo cache-shipped || echo no-cache'))
      .toEqual(['ms', 'dev-pruned', 'no-cache']);
  }, 900_000);
});

describe('pnpm workspace', () => {
  const appName = uniqueAppName('pnpmws');

  it('installs the workspace from pnpm-lock.yaml and serves the web package through `pnpm --filter`', async () => {
    const { outcome, lines } = await build(appName, await fixtureFiles('node-pnpm-workspace'));
    expect(lines).toContain('       $ pnpm install --frozen-lockfile --prod=false');
    expect(outcome.versions.pnpm).toBe('10.34.9');
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('pnpm workspace 1m');
    expect(await shell(image, 'readlink /app/packages/web/node_modules/@fixture/greeting; test -e /app/node_modules/is-number && echo dev-kept || echo dev-pruned'))
      .toEqual(['../../../greeting', 'dev-pruned']);
  }, 900_000);

  it('skips pnpm on a code-only push and still serves the workspace (links restored from the dependencies layer)', async () => {
    const files = await fixtureFiles('node-pnpm-workspace');
    files['packages/web/server.js'] = files['packages/web/server.js']!.replace('${greeting()}', 'v2 ${greeting()}');
    const { outcome, lines } = await build(appName, files);
    expect(lines).toContain('       package.json, lockfile, Node.js and pnpm unchanged: pnpm is skipped');
    expect(outcome.layersUploaded).toBe(1);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('v2 pnpm workspace 1m');
  }, 900_000);
});

describe('npm and Yarn 1 workspaces', () => {
  for (const [fixture, install] of [
    ['node-npm-workspace', '-----> Installing dependencies from package-lock.json'],
    ['node-yarn1-workspace', '-----> Installing dependencies from yarn.lock'],
  ] as const) {
    it(`${fixture}: installs at the root and serves a workspace's start script from the Procfile`, async () => {
      const { outcome, lines } = await build(uniqueAppName(fixture.replace(/^node-|-workspace$/g, '')), await fixtureFiles(fixture));
      expect(lines).toContain(install);
      const image = await pull(outcome);
      expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('pnpm workspace 1m');
      expect(await shell(image, 'test -e /app/node_modules/is-number && echo dev-kept || echo dev-pruned')).toEqual(['dev-pruned']);
    }, 900_000);
  }
});

describe('pnpm 12, a native executable', () => {
  it('takes pnpm from @pnpm/exe.linux-x64 for engines.pnpm "12.x" and serves', async () => {
    const { outcome, lines } = await build(uniqueAppName('pnpmnative'), await fixtureFiles('node-pnpm-native'));
    expect(lines.some((line) => /^ {7}engines\.pnpm "12\.x" resolved to 12\.\d+\.\d+$/.test(line))).toBe(true);
    expect(lines.some((line) => line === '       Downloaded @pnpm/exe.linux-x64 from the npm registry and verified' || line === '       Using the cached pnpm')).toBe(true);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('pnpm native 1m');
    expect(await shell(image, 'pnpm --version')).toEqual([outcome.versions.pnpm]);
  }, 900_000);
});

describe('Yarn Berry from a committed yarnPath release', () => {
  it('runs .yarn/releases/yarn-<version>.cjs with node and downloads no Yarn', async () => {
    const files = await fixtureFiles('node-berry-nm');
    files['.yarn/releases/yarn-4.18.1.cjs'] = await yarnRelease('4.18.1');
    files['.yarnrc.yml'] = `${files['.yarnrc.yml']!}yarnPath: .yarn/releases/yarn-4.18.1.cjs\n`;
    files['package.json'] = files['package.json']!.replace(/\s*"packageManager": "[^"]+",/, '');
    const { outcome, lines } = await build(uniqueAppName('yarnpath'), files);
    expect(lines).toContain('       yarnPath .yarn/releases/yarn-4.18.1.cjs (Yarn 4.18.1)');
    expect(lines).toContain('       $ node .yarn/releases/yarn-4.18.1.cjs install --immutable');
    expect(lines.some((line) => line.startsWith('-----> Installing Yarn'))).toBe(false);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body.trim()).toBe('berry-nm 1m');
  }, 900_000);
});

describe('bad input', () => {
  it('says the pnpm lockfile is out of date when package.json gained a dependency', async () => {
    const files = await fixtureFiles('node-pnpm-workspace');
    const manifest = JSON.parse(files['packages/greeting/package.json']!) as { dependencies: Record<string, string> };
    manifest.dependencies['is-odd'] = '^3.0.1';
    files['packages/greeting/package.json'] = JSON.stringify(manifest);
    const { error } = await failure(uniqueAppName('pnpmstale'), files);
    expect(error.reason).toBe(
      'Installing dependencies failed: `pnpm install` exited with an error (exit code 1): pnpm-lock.yaml is out of date with package.json or cannot be read: run `pnpm install` with the same package manager version, commit pnpm-lock.yaml, and push again.',
    );
  }, 900_000);

  it('says a broken Yarn Berry lockfile cannot be read', async () => {
    const files = await fixtureFiles('node-berry-nm');
    files['yarn.lock'] = `${files['yarn.lock']!}\n"broken@npm:^1":\n  version: [unterminated\n`;
    const { error } = await failure(uniqueAppName('berrybroken'), files);
    expect(error.reason).toMatch(/^Installing dependencies failed: `yarn install` exited with an error \(exit code 1\): yarn\.lock is out of date with package\.json or cannot be read/);
  }, 900_000);

  it('refuses a packageManager version the registry does not have, naming the newest', async () => {
    const files = await fixtureFiles('node-pnpm-workspace');
    files['package.json'] = files['package.json']!.replace('pnpm@10.34.9', 'pnpm@99.1.0');
    const { error } = await failure(uniqueAppName('pnpm99'), files);
    expect(error.reason).toBe('"packageManager" in package.json asks for pnpm 99.1.0, which the npm registry does not have.');
    expect(error.outputTail.join('\n')).toMatch(/the newest is \d+\.\d+\.\d+/);
  }, 300_000);

  it('refuses a packageManager hash that does not match the registry\'s package', async () => {
    const files = await fixtureFiles('node-berry-nm');
    files['package.json'] = files['package.json']!.replace('yarn@4.18.1', `yarn@4.18.1+sha512.${'ab'.repeat(64)}`);
    const { error } = await failure(uniqueAppName('berryhash'), files);
    expect(error.reason).toBe('"packageManager" in package.json pins yarn 4.18.1 with a sha512 hash that does not match the registry\'s package.');
  }, 300_000);

  it('refuses two lockfiles without packageManager', async () => {
    const files = await fixtureFiles('node-yarn1');
    files['package-lock.json'] = '{"lockfileVersion":3,"packages":{}}';
    const { error } = await failure(uniqueAppName('twolocks'), files);
    expect(error.reason).toBe('Multiple lockfiles found: package-lock.json, yarn.lock.');
  }, 300_000);
});
