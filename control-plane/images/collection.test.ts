// The registry is collected: apps pushed with the real git against a control plane on real
// Redis and NATS and Slipway's registry (as the supervisor runs it); the builder is a fake that
// pushes a small real image per build. With 3 releases kept, the images of older releases and
// of a deleted app leave the registry; after the registry's restart (its garbage collection)
// their layers are gone from disk, and the kept images still pull with Docker.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../buildpacks/oci/blob.js';
import { imageConfig, imageManifest } from '../../buildpacks/oci/image.js';
import { pushImage } from '../../buildpacks/oci/push-image.js';
import { RegistryClient } from '../../buildpacks/oci/registry.js';
import { freePort } from '../../common/ports.js';
import { startRegistry, type RunningService } from '../../supervisor/services.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';
import type { BuildInput, Builder } from '../builds/builder.js';

const exec = promisify(execFile);
const docker = new Docker();

/** A gzipped tar with one file: a layer Docker can extract. */
async function layerTar(name: string, content: string): Promise<{ gz: Buffer; diffId: string }> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of archive as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  })();
  archive.entry({ name, mode: 0o644 }, content);
  archive.finalize();
  await collected;
  const tar = Buffer.concat(chunks);
  return { gz: gzipSync(tar), diffId: sha256Digest(tar) };
}

/** Pushes one image per build (a layer unique to the build, plus 256 kB of its own) to the real registry. */
class PushingBuilder implements Builder {
  ready = true;
  layers = new Map<string, string[]>();
  constructor(private readonly client: () => RegistryClient) {}
  async prepare() {}
  async build(input: BuildInput) {
    input.source.resume();
    const repository = `apps/${input.appName}`;
    const layer = await layerTar(`build-${input.buildId}.txt`, `${input.buildId}\n${randomBytes(192 * 1024).toString('base64')}`);
    const digest = sha256Digest(layer.gz);
    const layers = [{ digest, size: layer.gz.length, diffId: layer.diffId, createdBy: 'test' }];
    const config = imageConfig({ created: '2026-01-01T00:00:00Z', user: '1000:1000', workingDir: '/', env: [], labels: {}, layers });
    const manifest = imageManifest(config, layers);
    const pushed = await pushImage(this.client(), repository, input.buildId, [{ blob: { digest, size: layer.gz.length, bytes: layer.gz }, mountFrom: [] }], config, manifest);
    this.layers.set(pushed.digest, [digest, config.digest]);
    input.log('-----> Pushed');
    return { image: { repository, digest: pushed.digest }, processTypes: {}, buildpack: 'fake', stack: 'bookworm' };
  }
  async tagImage(image: { repository: string; digest: string }, tag: string) {
    await this.client().tagManifest(image.repository, image.digest, tag);
  }
}

let registryDir: string;
let registryPort: number;
let registry: RunningService;
let cp: TestControlPlane;
let work: string;
const client = () => new RegistryClient(`127.0.0.1:${registryPort}`);
const builder = new PushingBuilder(client);
const pulled: string[] = [];

const startOwnRegistry = async () => (registry = await startRegistry({ dataDir: registryDir, port: registryPort }));
const blobPath = (digest: string) => join(registryDir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function pull(reference: string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    docker.pull(reference, (err: Error | null, stream: NodeJS.ReadableStream) => (err ? reject(err) : docker.modem.followProgress(stream, (e) => (e ? reject(e) : resolve())))),
  );
}

async function git(args: string[], cwd = work) {
  return exec('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' } });
}

async function push(app: string, n: number): Promise<void> {
  await writeFile(join(work, 'version.txt'), `${app} ${n}\n`);
  await git(['add', '.']);
  await git(['commit', '-q', '-m', `${app} ${n}`]);
  const url = new URL(`${cp.url}/${app}.git`);
  url.username = 'anyone';
  url.password = cp.adminToken;
  await git(['push', '-q', '--force', url.toString(), 'main']);
}

beforeAll(async () => {
  registryDir = await mkdtemp(join(tmpdir(), 'slipway-test-gc-registry-'));
  registryPort = await freePort();
  await startOwnRegistry();
  cp = await startTestControlPlane(
    { SLIPWAY_REGISTRY: `127.0.0.1:${registryPort}`, SLIPWAY_IMAGE_KEEP_RELEASES: '3', SLIPWAY_IMAGE_COLLECT_INTERVAL_SECONDS: '0.5' },
    { builder },
  );
  work = await mkdtemp(join(tmpdir(), 'slipway-gc-git-'));
  await git(['init', '-q', '-b', 'main']);
  await git(['config', 'user.email', 't@example.com']);
  await git(['config', 'user.name', 'T']);
});

afterAll(async () => {
  for (const reference of pulled) await docker.getImage(reference).remove({ force: true }).catch(() => {});
  await cp?.stop();
  await registry?.stop();
  await rm(registryDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('registry garbage collection', () => {
  it('deletes images no kept release uses (and a deleted app’s), frees their layers at the registry’s restart, and kept images still pull', async () => {
    const api = apiClient(cp.url, cp.adminToken);
    expect((await api('POST', '/apps', { name: 'keeper' })).status).toBe(201);
    expect((await api('POST', '/apps', { name: 'dropped' })).status).toBe(201);
    for (let n = 1; n <= 4; n++) await push('keeper', n);
    await push('dropped', 1);

    const digests = new Map<number, string>();
    for (const release of (await cp.controlPlane.services.releases.list((await cp.controlPlane.services.apps.getByName('keeper'))!.id))) {
      digests.set(release.version, release.image!.digest);
    }
    expect([...digests.keys()].sort()).toEqual([1, 2, 3, 4]);
    const droppedDigest = (await cp.controlPlane.services.releases.current((await cp.controlPlane.services.apps.getByName('dropped'))!.id))!.image!.digest;
    // A config change is a release with the same image: it must not push v3's image out.
    expect((await api('PATCH', '/apps/keeper/config-vars', { GREETING: 'hi' })).status).toBe(200);
    expect((await api('DELETE', '/apps/dropped')).status).toBe(200);

    const exists = async (repository: string, digest: string) => {
      const response = await fetch(`http://127.0.0.1:${registryPort}/v2/${repository}/manifests/${digest}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      return response.status;
    };
    // The registry deletes a manifest, then untags it, in one request: a HEAD can miss the manifest
    // while its tags are still listed, so the wait covers both.
    const untagged = async () => !(await client().listTags('apps/keeper')).some((tag) => tag === 'v1' || tag === 'v2');
    await waitFor('the old and the deleted app’s images to be collected', async () =>
      (await exists('apps/keeper', digests.get(1)!)) === 404 &&
      (await exists('apps/keeper', digests.get(2)!)) === 404 &&
      (await exists('apps/dropped', droppedDigest)) === 404 &&
      (await untagged())
        ? true
        : undefined,
      30_000,
    );
    // Kept: the last three releases, v3, v4 and v5 (v4's image with new config).
    expect(await exists('apps/keeper', digests.get(3)!)).toBe(200);
    expect(await exists('apps/keeper', digests.get(4)!)).toBe(200);
    const tags = await client().listTags('apps/keeper');
    expect(tags).toEqual(expect.arrayContaining(['v3', 'v4', 'v5']));
    expect(tags).not.toContain('v1');
    expect(tags).not.toContain('v2');

    // Rolling back reaches as far as the kept history, not beyond.
    const refused = await api('POST', '/apps/keeper/releases', { release: '1' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ id: 'invalid_params', message: expect.stringMatching(/v1 is older than the 3 releases whose code is kept/) });
    expect((await api('POST', '/apps/keeper/releases', { release: '3' })).status).toBe(201);
    expect(await exists('apps/keeper', digests.get(3)!)).toBe(200);

    const gone = [...builder.layers.get(digests.get(1)!)!, ...builder.layers.get(digests.get(2)!)!, ...builder.layers.get(droppedDigest)!];
    for (const blob of gone) expect(existsSync(blobPath(blob))).toBe(true);
    const before = await diskBytes(join(registryDir, 'data'));

    // The supervisor's restart of the registry runs its garbage collection first.
    await registry.stop();
    await startOwnRegistry();
    for (const blob of gone) expect(existsSync(blobPath(blob))).toBe(false);
    for (const v of [3, 4]) for (const blob of builder.layers.get(digests.get(v)!)!) expect(existsSync(blobPath(blob))).toBe(true);
    const after = await diskBytes(join(registryDir, 'data'));
    expect(before - after).toBeGreaterThan(3 * 192 * 1024);
    console.log(`registry data: ${before} bytes before collection, ${after} after`);

    for (const v of [3, 4]) {
      const reference = `127.0.0.1:${registryPort}/apps/keeper@${digests.get(v)}`;
      pulled.push(reference);
      await pull(reference);
      expect((await docker.getImage(reference).inspect()).RepoDigests).toContain(reference);
    }
    await expect(pull(`127.0.0.1:${registryPort}/apps/keeper@${digests.get(1)}`)).rejects.toThrow(/manifest unknown|not found/i);
  });
});
