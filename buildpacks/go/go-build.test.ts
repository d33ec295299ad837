// Integration: Go apps built by the real builder on the real stack, Docker Engine, registry and
// Go module proxy; the images are pulled by digest and run, answering on 127.0.0.1.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullReference } from '../../common/image-reference.js';
import { startTestRegistry } from '../../test/support/services.js';
import type { RunningService } from '../../supervisor/services.js';
import { appCacheDir, buildApp, removeAppCaches, type BuildOutcome } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { formatBytes } from '../log.js';
import { RegistryClient } from '../oci/registry.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from '../testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
const pulled: string[] = [];
const appIds: string[] = [];

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
}, 900_000);

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of appIds) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

async function build(appName: string, files: Record<string, string>, appId = `id-${appName}`): Promise<{ outcome: BuildOutcome; lines: string[] }> {
  appIds.push(appId);
  const lines: string[] = [];
  const buildId = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  try {
    const outcome = await buildApp(docker, config, stack, {
      buildId, appName, appId, source: Readable.from(await gitArchiveOf(files)), log: (line) => void lines.push(line),
    });
    console.log(lines.join('\n'));
    return { outcome, lines };
  } catch (err) {
    console.log(lines.join('\n'));
    throw err;
  }
}

async function failure(appName: string, files: Record<string, string>): Promise<{ error: BuildError; lines: string[] }> {
  const lines: string[] = [];
  appIds.push(`id-${appName}`);
  const error = await buildApp(docker, config, stack, {
    buildId: `b${Date.now().toString(36)}`, appName, appId: `id-${appName}`, source: Readable.from(await gitArchiveOf(files)), log: (line) => void lines.push(line),
  }).then(() => null, (err: unknown) => err);
  console.log(lines.join('\n'));
  expect(error).toBeInstanceOf(BuildError);
  return { error: error as BuildError, lines };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

async function layersOf(outcome: BuildOutcome): Promise<Array<{ digest: string; size: number }>> {
  const manifest = await new RegistryClient(registry.url).getManifest(outcome.image.repository, outcome.image.digest);
  return (JSON.parse(manifest.body.toString()) as { layers: Array<{ digest: string; size: number }> }).layers;
}

/** Whether chi is in the app's module cache (GOMODCACHE on the host). */
const chiCached = (appId: string) =>
  stat(join(appCacheDir(config.cacheDir, appId), 'go', 'mod', 'github.com', 'go-chi', 'chi', 'v5@v5.5.0', 'chi.go')).then(() => true, () => false);

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

describe('the Go buildpack', () => {
  const appName = uniqueAppName('goweb');
  let first: BuildOutcome;
  let files: Record<string, string>;

  it('builds a chi app into an image of the stack and its binary, serving on PORT', async () => {
    files = await fixtureFiles('go-chi');
    const { outcome, lines } = await build(appName, files);
    first = outcome;
    expect(first.buildpack).toBe('slipway/go');
    expect(first.versions.go).toMatch(/^1\.24\.\d+$/);
    expect(first.processTypes).toEqual({ web: 'bin/goweb' });
    expect(lines).toContain('-----> Go app detected');
    // a new app's build cache starts from the toolchain's compiled standard library
    expect(lines).toContain('-----> Starting the build cache with the compiled standard library');
    expect(lines).toContain(`       go.mod's \`go 1.24\` line: the newest Go 1.24 release, ${first.versions.go}`);
    expect(lines).toContain('       Built: bin/goweb');
    expect(lines).toContain('       Default types for buildpack -> web');
    // the stack and the app: no toolchain layer
    const layers = await layersOf(first);
    expect(layers).toHaveLength(stack.layers.length + 1);
    const appLayer = layers.at(-1)!;
    console.log(`go-chi first build: total ${seconds(first.timings.total)}, runtime ${seconds(first.timings.runtime)}, stdlib ${seconds(first.timings.stdlib)}, dependencies ${seconds(first.timings.dependencies)}, compile ${seconds(first.timings.compile)}; app layer ${formatBytes(appLayer.size)}, image ${formatBytes(layers.reduce((sum, l) => sum + l.size, 0))} compressed`);

    const image = await pull(first);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/app']));
    console.log(`go-chi image size: ${formatBytes(inspected.Size)}`);
    const served = await serveOnce(docker, image, first.processTypes.web!);
    expect(served.body).toBe('hello v1 from go \n');
  }, 900_000);

  it('leaves the toolchain out of the image: a static binary in /app/bin, owned by the app user', async () => {
    const image = pullReference(registry.url, first.image.repository, first.image.digest);
    const result = await runInImage(docker, image, [
      'bash', '-c', 'stat -c "%u:%g %a %n" /app/bin/goweb; command -v go || echo no-go; test -e /layers/go || echo no-toolchain; ldd /app/bin/goweb 2>&1 | head -1',
    ]);
    expect(result.exitCode).toBe(0);
    const lines = result.output.trim().split('\n');
    expect(lines[0]).toBe('1000:1000 755 /app/bin/goweb');
    expect(lines).toContain('no-go');
    expect(lines).toContain('no-toolchain');
    expect(lines.at(-1)).toMatch(/not a dynamic executable/);
  }, 120_000);

  it('recompiles a code-only change with warm caches: no module downloaded, only the app layer uploaded', async () => {
    expect(await chiCached(`id-${appName}`)).toBe(true);
    const changed = { ...files, 'main.go': files['main.go']!.replace('const version = "v1"', 'const version = "v2"') };
    const { outcome, lines } = await build(appName, changed);
    expect(lines).toContain('       Using the cached toolchain');
    expect(lines).not.toContain('-----> Starting the build cache with the compiled standard library');
    expect(outcome.layersUploaded).toBe(1);
    console.log(`go-chi code-only rebuild: total ${seconds(outcome.timings.total)}, runtime ${seconds(outcome.timings.runtime)}, dependencies ${seconds(outcome.timings.dependencies)}, compile ${seconds(outcome.timings.compile)}, push ${seconds(outcome.timings.push)}`);
    const served = await serveOnce(docker, await pull(outcome), outcome.processTypes.web!);
    expect(served.body).toBe('hello v2 from go \n');
  }, 900_000);

  it('builds a vendored app from vendor/ with the proxy off, its program under cmd/ and its web process from the Procfile', async () => {
    const vendoredApp = uniqueAppName('govendor');
    const { outcome, lines } = await build(vendoredApp, await fixtureFiles('go-vendored'));
    // GOPROXY=off and an empty module cache: chi can only have come from vendor/
    expect(await chiCached(`id-${vendoredApp}`)).toBe(false);
    expect(lines).toContain('-----> Using vendored modules (vendor/modules.txt): nothing is downloaded');
    expect(lines).toContain('-----> Starting the build cache with the compiled standard library');
    expect(outcome.timings.compile).toBeLessThan(60_000);
    expect(lines.some((line) => line.includes('-mod=vendor'))).toBe(true);
    expect(lines).toContain('       Built: bin/server');
    expect(outcome.processTypes).toEqual({ web: 'server' });
    console.log(`vendored app, first build with the toolchain and standard library cached: total ${seconds(outcome.timings.total)}, stdlib ${seconds(outcome.timings.stdlib)}, compile ${seconds(outcome.timings.compile)}`);
    const served = await serveOnce(docker, await pull(outcome), outcome.processTypes.web!);
    expect(served.body).toBe('vendored v1 from go \n');
  }, 900_000);
});

describe('Go bad input', () => {
  it('fails a compile error with the compiler\'s lines', async () => {
    const files = await fixtureFiles('go-chi');
    const broken = { ...files, 'main.go': files['main.go']!.replace('r.Get("/", func', 'r.Gett("/", func') };
    const { error, lines } = await failure(uniqueAppName('gobroken'), broken);
    expect(error.reason).toBe('The Go build failed: the compiler\'s errors are above (exit code 1).');
    expect(error.outputTail.join('\n')).toMatch(/main\.go:\d+:\d+: r\.Gett undefined/);
    expect(lines.some((line) => /^ {7}.*main\.go:\d+:\d+: r\.Gett undefined/.test(line))).toBe(true);
  }, 900_000);

  it('fails an unknown Go version, naming the nearest ones the proxy has', async () => {
    const files = await fixtureFiles('go-chi');
    const { error } = await failure(uniqueAppName('gounknown'), { ...files, 'go.mod': files['go.mod']!.replace('go 1.24', 'go 1.24\n\ntoolchain go1.24.99') });
    expect(error.reason).toBe('Go 1.24.99 (go.mod\'s `toolchain go1.24.99` line) is not available from the Go module proxy.');
    expect(error.outputTail[0]).toMatch(/^Nearest available: 1\.24\.\d+, 1\.24\.\d+, 1\.24\.\d+, 1\.25\.\d+/);
  }, 300_000);

  it('fails an app without a main package', async () => {
    const { error } = await failure(uniqueAppName('golib'), { 'go.mod': 'module example.com/lib\n\ngo 1.24\n', 'lib.go': 'package lib\n\nfunc X() int { return 1 }\n' });
    expect(error.reason).toBe('`go install ./...` built no program into bin/.');
  }, 300_000);
});
