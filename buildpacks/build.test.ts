// Integration: real builds on the real stack, Docker Engine, registry and npm registry; the
// pushed images are then pulled by digest and run, answering on 127.0.0.1.
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry } from '../test/support/services.js';
import type { RunningService } from '../supervisor/services.js';
import { buildApp, removeAppCaches, type BuildOutcome } from './build.js';
import type { BuilderConfig } from './config.js';
import { BUILD_APP_LABEL } from './container-spec.js';
import { NO_BUILDPACK_REASON } from './detect.js';
import { BuildError } from './errors.js';
import { RegistryClient } from './oci/registry.js';
import { pullReference } from '../common/image-reference.js';
import { ensureStack, type Stack } from './stack/ensure.js';
import { tagImage } from './tag.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from './testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
const pulled: string[] = [];
const apps: string[] = [];

/** App ids in these tests: distinct from the name, as the control plane's are. */
const idOf = (appName: string) => `id-${appName}`;

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
});

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of apps) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

async function build(
  appName: string,
  files: Record<string, string>,
  extra: { config?: BuilderConfig; stack?: Stack; signal?: AbortSignal; onLine?: (line: string) => void; appId?: string } = {},
) {
  const appId = extra.appId ?? idOf(appName);
  apps.push(appId);
  const lines: string[] = [];
  const buildId = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const run = buildApp(docker, extra.config ?? config, extra.stack ?? stack, {
    buildId,
    appName,
    appId,
    source: Readable.from(await gitArchiveOf(files)),
    log: (line) => {
      lines.push(line);
      extra.onLine?.(line);
    },
    signal: extra.signal,
  });
  return { run, lines, buildId };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

async function layersOf(outcome: BuildOutcome): Promise<string[]> {
  const manifest = await new RegistryClient(registry.url).getManifest(outcome.image.repository, outcome.image.digest);
  return (JSON.parse(manifest.body.toString()) as { layers: Array<{ digest: string }> }).layers.map((layer) => layer.digest);
}

describe('buildApp', () => {
  const appName = uniqueAppName('hello');
  let first: BuildOutcome;

  it('builds node-hello into a layered image that serves "hello from v1"', async () => {
    const { run, lines } = await build(appName, await fixtureFiles('node-hello'));
    first = await run;
    console.log(lines.join('\n'));
    expect(first.image.repository).toBe(`apps/${appName}`);
    expect(first.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.processTypes).toEqual({ web: 'node server.js' });
    expect(first.buildpack).toBe('slipway/nodejs');
    expect(first.stack).toBe('bookworm');
    // stack mounted from slipway/stack; runtime, dependencies and app uploaded
    expect(first.layersUploaded).toBe(3);
    expect(lines).toContain('-----> Node.js app detected');
    expect(lines.some((line) => line.startsWith('-----> Installing dependencies from package-lock.json'))).toBe(true);
    expect(lines).toContain('       Procfile declares types -> web');
    expect(await layersOf(first)).toHaveLength(stack.layers.length + 3);

    const image = await pull(first);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.User).toBe('1000:1000');
    expect(inspected.Config.WorkingDir).toBe('/app');
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'HOME=/app']));
    const served = await serveOnce(docker, image, first.processTypes.web!);
    expect(served.body.trim()).toBe('hello from v1');
    expect(served.exitCode).toBe(0);
  }, 900_000);

  it('lays the image out as /app, /app/node_modules and /layers/nodejs, owned by the app user', async () => {
    const image = pullReference(registry.url, first.image.repository, first.image.digest);
    const result = await runInImage(docker, image, [
      'bash', '-c',
      'id -u; stat -c "%u:%g %n" /app/server.js /app/node_modules/ms/index.js /layers/nodejs/bin/node; node --version; npm --version; test -e /app/.git || echo no-git',
    ]);
    expect(result.exitCode).toBe(0);
    const lines = result.output.trim().split('\n');
    expect(lines[0]).toBe('1000');
    expect(lines.slice(1, 4)).toEqual(['1000:1000 /app/server.js', '1000:1000 /app/node_modules/ms/index.js', '1000:1000 /layers/nodejs/bin/node']);
    expect(lines[4]).toBe(`v${first.versions.node}`);
    expect(lines[5]).toBe(first.versions.npm);
    expect(lines).toContain('no-git');
  }, 120_000);

  it('rebuilds a code-only change (node-hello-v2) uploading just the app layer, without npm', async () => {
    const { run, lines } = await build(appName, await fixtureFiles('node-hello-v2'));
    const second = await run;
    console.log(lines.join('\n'));
    expect(second.layersUploaded).toBe(1);
    expect(lines.some((line) => line.includes('npm is skipped'))).toBe(true);
    expect(second.timings.dependencies).toBeUndefined();
    const [before, after] = [await layersOf(first), await layersOf(second)];
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)).not.toBe(before.at(-1));

    const image = await pull(second);
    const served = await serveOnce(docker, image, second.processTypes.web!);
    expect(served.body.trim()).toBe('hello from v2');
  }, 600_000);

  it('gives a new app that reuses a deleted app\'s name none of its caches', async () => {
    const { run, lines } = await build(appName, await fixtureFiles('node-hello-v2'), { appId: idOf(`${appName}-again`) });
    const fresh = await run;
    expect(lines.some((line) => line.includes('npm is skipped'))).toBe(false);
    expect(fresh.timings.dependencies).toBeDefined();
  }, 600_000);

  it('puts apps and the stack in the repositories configured (ECR prefixes), pushing the stack once', async () => {
    const named = testBuilderConfig(registry.url, { appRepositoryPrefix: 'tenant-x/apps', stackRepository: 'tenant-x/apps/slipway.stack' });
    const namedStack = await ensureStack(docker, named, () => {});
    expect(namedStack.registryRepository).toBe('tenant-x/apps/slipway.stack');
    const client = new RegistryClient(registry.url);
    expect((await client.getManifest('tenant-x/apps/slipway.stack', namedStack.id)).digest).toMatch(/^sha256:/);
    // a second start finds the stack already pushed (tags may be immutable) and succeeds
    await ensureStack(docker, named, () => {});
    const appName = uniqueAppName('prefixed');
    const { run } = await build(appName, await fixtureFiles('node-hello'), { config: named, stack: namedStack });
    const outcome = await run;
    expect(outcome.image.repository).toBe(`tenant-x/apps/${appName}`);
    expect((await client.getManifest(outcome.image.repository, outcome.image.digest)).digest).toBe(outcome.image.digest);
  }, 600_000);

  it('tags a built image for a release', async () => {
    await tagImage(config, first.image.repository, first.image.digest, 'v1');
    const tagged = await new RegistryClient(registry.url).getManifest(first.image.repository, 'v1');
    expect(tagged.digest).toBe(first.image.digest);
  });
});

describe('native modules', () => {
  it('compiles a node-gyp addon in the build image against the runtime\'s headers, offline', async () => {
    const files = {
      // npm 12 runs dependencies' install scripts only when the app allows them (by the
      // identity `npm approve-scripts` writes; for a directory dependency, its file: spec).
      'package.json': JSON.stringify({
        name: 'native', version: '1.0.0', dependencies: { addon: 'file:addon' }, allowScripts: { 'file:../addon': true },
      }),
      'addon/package.json': JSON.stringify({ name: 'addon', version: '1.0.0', main: 'index.js', gypfile: true }),
      'addon/binding.gyp': JSON.stringify({ targets: [{ target_name: 'addon', sources: ['addon.cc'] }] }),
      'addon/index.js': "module.exports = require('./build/Release/addon.node');\n",
      'addon/addon.cc': [
        '#include <node_api.h>',
        'static napi_value Hello(napi_env env, napi_callback_info info) {',
        '  napi_value result;',
        '  napi_create_string_utf8(env, "native world", NAPI_AUTO_LENGTH, &result);',
        '  return result;',
        '}',
        'static napi_value Init(napi_env env, napi_value exports) {',
        '  napi_value fn;',
        '  napi_create_function(env, nullptr, 0, Hello, nullptr, &fn);',
        '  napi_set_named_property(env, exports, "hello", fn);',
        '  return exports;',
        '}',
        'NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)',
        '',
      ].join('\n'),
    };
    const { run, lines } = await build(uniqueAppName('native'), files);
    const outcome = await run.finally(() => console.log(lines.join('\n')));
    expect(lines.some((line) => line.includes('COPY Release/addon.node'))).toBe(true);
    const image = await pull(outcome);
    const result = await runInImage(docker, image, ['node', '-e', "console.log(require('addon').hello())"]);
    expect(result.output.trim()).toBe('native world');
  }, 600_000);
});

describe('Procfile-only apps', () => {
  it('builds a Procfile app with nothing to build into stack + app, and its web process serves', async () => {
    const { run, lines } = await build(uniqueAppName('perl'), await fixtureFiles('procfile-perl'));
    const outcome = await run;
    expect(outcome.buildpack).toBe('slipway/procfile');
    expect(outcome.processTypes).toEqual({ web: 'perl server.pl' });
    expect(lines).toContain('-----> Procfile-only app detected');
    expect(await layersOf(outcome)).toHaveLength(stack.layers.length + 1);
    const image = await pull(outcome);
    const served = await serveOnce(docker, image, 'perl server.pl');
    expect(served.body).toBe('hello from perl v1\n');
  }, 300_000);

  it('leaves an app with a Procfile and a language\'s files to that language', async () => {
    const { run } = await build(uniqueAppName('both'), await fixtureFiles('node-hello'));
    expect((await run).buildpack).toBe('slipway/nodejs');
  }, 300_000);
});

describe('buildApp failures', () => {
  it('fails an app no buildpack detects with Heroku\'s message', async () => {
    const { run, lines } = await build(uniqueAppName('readme'), await fixtureFiles('not-an-app'));
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe(NO_BUILDPACK_REASON);
    expect((error as BuildError).message).toContain('HINT');
    expect(lines).toContain(` !     ${NO_BUILDPACK_REASON}`);
  });

  it('fails when npm ci fails, with the reason and npm\'s last lines, and removes its container', async () => {
    const { run, buildId } = await build(uniqueAppName('baddeps'), await fixtureFiles('node-bad-deps'));
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toMatch(/^Installing dependencies failed: `npm ci` exited with an error \(exit code \d+\)\.$/);
    expect((error as BuildError).outputTail.join('\n')).toMatch(/404|E404|Not Found/i);
    const left = await docker.listContainers({ all: true, filters: { label: [`io.slipway.build.id=${buildId}`] } });
    expect(left).toEqual([]);
  }, 600_000);

  it('refuses a package.json that is a symlink to a host file, without reading it', async () => {
    const { pack } = await import('tar-stream');
    const withLink = pack();
    withLink.entry({ name: 'package.json', type: 'symlink', linkname: '/etc/shadow' });
    withLink.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of withLink as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    const appName = uniqueAppName('symlink');
    apps.push(idOf(appName));
    const lines: string[] = [];
    const error = await buildApp(docker, config, stack, {
      buildId: 'symlink1',
      appName,
      appId: idOf(appName),
      source: Readable.from(Buffer.concat(chunks)),
      log: (line) => void lines.push(line),
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('package.json must be a regular file, not a symbolic link.');
    expect(lines.join('\n')).not.toMatch(/root:/);
  });

  it('refuses node_modules that the build turned into a symlink to a host directory', async () => {
    const files = await fixtureFiles('node-hello');
    const packageJson = JSON.parse(files['package.json']!) as { scripts: Record<string, string> };
    packageJson.scripts.build = 'rm -rf node_modules && ln -s /etc node_modules';
    const { run } = await build(uniqueAppName('escape'), { ...files, 'package.json': JSON.stringify(packageJson) });
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('node_modules must be a directory, not a symbolic link or file.');
  }, 300_000);

  it('says so when a step runs out of memory', async () => {
    const hog = 'node -e "const held = []; for (;;) held.push(Buffer.alloc(1 << 24, 1))"';
    const files = { 'package.json': JSON.stringify({ name: 'hog', scripts: { build: hog } }), 'server.js': '' };
    const { run } = await build(uniqueAppName('hog'), files, { config: { ...config, limits: { ...config.limits, memoryMb: 256 } } });
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('The build script failed: it ran out of memory (the build\'s limit is 256 MB).');
  }, 300_000);

  it('stops a build at its wall-clock limit', async () => {
    const files = { 'package.json': JSON.stringify({ name: 'slow', scripts: { build: 'sleep 60' } }), 'server.js': '' };
    const { run, buildId } = await build(uniqueAppName('slow'), files, {
      config: { ...config, limits: { ...config.limits, timeoutSeconds: 3 } },
    });
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('The build timed out after 3 s.');
    expect(await docker.listContainers({ all: true, filters: { label: [`io.slipway.build.id=${buildId}`] } })).toEqual([]);
  }, 300_000);

  it('stops a build when its signal aborts', async () => {
    const controller = new AbortController();
    const files = { 'package.json': JSON.stringify({ name: 'cancelled', scripts: { build: 'sleep 60' } }), 'server.js': '' };
    const appName = uniqueAppName('cancel');
    const { run } = await build(appName, files, {
      signal: controller.signal,
      onLine: (line) => {
        if (line.startsWith('-----> Running the build script')) setTimeout(() => controller.abort(), 500);
      },
    });
    const error = await run.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).reason).toBe('The build was cancelled.');
    expect(await docker.listContainers({ all: true, filters: { label: [`${BUILD_APP_LABEL}=${appName}`] } })).toEqual([]);
  }, 300_000);
});
