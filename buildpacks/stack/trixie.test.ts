// Integration: the trixie (Debian 13) stack built for real with debootstrap on this Debian 12
// host (once per machine; cached in the engine afterwards), then node-hello built on it,
// pushed, pulled by digest and run.
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullReference } from '../../common/image-reference.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildApp, removeAppCaches } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { RegistryClient } from '../oci/registry.js';
import { fixtureFiles, gitArchiveOf, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from '../testing/build-fixtures.js';
import { ensureStack, type Stack } from './ensure.js';
import { ensureStackPackages } from './packages.js';
import { BOOKWORM_RECIPE, RECIPE_LABEL, recipeHash, STACK_REGISTRY_REPOSITORY, TRIXIE_RECIPE } from './recipe.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let trixie: Stack;
const lines: string[] = [];
const pulled: string[] = [];
const appName = uniqueAppName('trixie-hello');
const appId = `id-${appName}`;

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  const started = Date.now();
  trixie = await ensureStack(docker, config, (line) => void lines.push(line), {
    recipe: TRIXIE_RECIPE,
    commandOutput: () => {},
  });
  console.log(lines.join('\n'));
  console.log(`trixie stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (prepared: ${trixie.prepared})`);
});

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

describe('the trixie stack', () => {
  it('is its own images, named by its recipe hash, under the name trixie', async () => {
    expect(trixie.name).toBe('trixie');
    expect(trixie.id).toBe(recipeHash(TRIXIE_RECIPE));
    expect(trixie.id).not.toBe(recipeHash(BOOKWORM_RECIPE));
    expect(trixie.runImage).toBe(`slipway/stack-run:${trixie.id}`);
    for (const ref of [trixie.runImage, trixie.buildImage]) {
      expect((await docker.getImage(ref).inspect()).Config.Labels?.[RECIPE_LABEL]).toBe(trixie.id);
    }
    const client = new RegistryClient(registry.url);
    expect((await client.getManifest(STACK_REGISTRY_REPOSITORY, trixie.id)).digest).toMatch(/^sha256:/);
  });

  it('is Debian 13 with the app user, CA certificates and libatomic, and no compiler in the run image', async () => {
    const result = await runInImage(docker, trixie.runImage, [
      'bash', '-c',
      'cat /etc/debian_version; . /etc/os-release; echo "codename=$VERSION_CODENAME"; getent passwd slipway; ' +
        'test -s /etc/ssl/certs/ca-certificates.crt && echo certs; test -e /usr/lib/x86_64-linux-gnu/libatomic.so.1 && echo libatomic; ' +
        'command -v g++ || echo no-compiler; grep -h "^deb " /etc/apt/sources.list',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^13\.\d+$/m);
    expect(result.output).toContain('codename=trixie');
    expect(result.output).toContain('slipway:x:1000:1000::/app:/bin/bash');
    expect(result.output).toContain('certs');
    expect(result.output).toContain('libatomic');
    expect(result.output).toContain('no-compiler');
    expect(result.output).toContain('deb http://deb.debian.org/debian-security trixie-security main');
  });

  it("gives the build image trixie's build packages", async () => {
    const result = await runInImage(docker, trixie.buildImage, ['bash', '-c', 'cat /etc/debian_version; g++ --version; python3 --version; git --version']);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^13\.\d+$/m);
    expect(result.output).toMatch(/g\+\+ \(Debian 14\./);
    expect(result.output).toMatch(/Python 3\.13\./);
  });

  it('builds node-hello on trixie into an image that runs on Debian 13 and serves', async () => {
    const buildLines: string[] = [];
    const outcome = await buildApp(docker, config, trixie, {
      buildId: `b${Date.now().toString(36)}`,
      appName,
      appId,
      source: Readable.from(await gitArchiveOf(await fixtureFiles('node-hello'))),
      log: (line) => void buildLines.push(line),
    });
    console.log(buildLines.join('\n'));
    expect(buildLines[0]).toBe('-----> Building on the Slipway trixie stack');
    expect(outcome.stack).toBe('trixie');

    const ref = pullReference(registry.url, outcome.image.repository, outcome.image.digest);
    await new Promise<void>((resolve, reject) => {
      docker.pull(ref, (err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return reject(err);
        docker.modem.followProgress(stream, (done: Error | null) => (done ? reject(done) : resolve()));
      });
    });
    pulled.push(ref);
    const inspected = await docker.getImage(ref).inspect();
    // the app image's bottom layers are the trixie run image's
    expect(inspected.RootFS.Layers?.slice(0, trixie.layers.length)).toEqual(trixie.layers.map((layer) => layer.diffId));
    const os = await runInImage(docker, ref, ['bash', '-c', 'cat /etc/debian_version; node --version; id -u']);
    expect(os.exitCode).toBe(0);
    expect(os.output).toMatch(/^13\.\d+$/m);
    expect(os.output).toMatch(/^v\d+\./m);
    expect(os.output).toMatch(/^1000$/m);
    const served = await serveOnce(docker, ref, outcome.processTypes.web!);
    expect(served.body.trim()).toBe('hello from v1');
  }, 900_000);

  it("installs a language's Debian packages over trixie from trixie's archive", async () => {
    const packageLines: string[] = [];
    const packages = await ensureStackPackages(docker, config, trixie, { name: 'test-jq', run: ['jq'], build: [] }, (line) => void packageLines.push(line));
    // bookworm has jq 1.6; trixie's is 1.7
    expect(packages.versions.jq).toMatch(/^1\.7/);
    const result = await runInImage(docker, packages.buildImage, ['bash', '-c', 'cat /etc/debian_version; jq --version']);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^13\.\d+$/m);
    expect(result.output).toMatch(/^jq-1\.7/m);
  }, 600_000);
});
