// A tiny runnable app image for tests, made without pulling anything: this machine's node and
// bash binaries with their shared libraries, plus a test server (test-app-server.cjs) as
// /app/server.js. It is imported through the Engine API, cached locally under a tag derived
// from its content, and pushed to the registry a test names.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { followProgress, pushedDigest } from '../../common/docker-progress.js';
import type { ImageRef } from '../../common/types.js';

/** The repository the test app is pushed to, inside whatever registry a test runs. */
export const TEST_APP_REPOSITORY = 'slipway/test-app';
/** Label on the locally cached image, so cleanup can tell it from anyone else's. */
export const TEST_IMAGE_LABEL = 'slipway.test-image';
const LOCAL_REPOSITORY = 'slipway-test-app';
const SERVER_SOURCE = fileURLToPath(new URL('./test-app-server.cjs', import.meta.url));

export class TestImageError extends Error {
  override name = 'TestImageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** One file of the image's root filesystem, read from `source` on this machine. */
export interface RootfsFile {
  path: string;
  source: string;
  mode: number;
}

/** The shared libraries `ldd` names (absolute paths, as the binary asks for them). */
export function parseLddOutput(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line.trim());
    if (match?.[1]) paths.push(match[1]);
  }
  return paths;
}

/** The files of the image: binaries at the paths programs look for them, libraries where ldd found them. */
export function rootfsFiles(binaries: Record<string, string>, libraries: readonly string[], serverSource: string): RootfsFile[] {
  const files = new Map<string, RootfsFile>();
  for (const [path, source] of Object.entries(binaries)) files.set(path, { path, source, mode: 0o755 });
  for (const library of libraries) files.set(library, { path: library, source: library, mode: 0o755 });
  files.set('/app/server.js', { path: '/app/server.js', source: serverSource, mode: 0o644 });
  return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Every directory the files need, parents first. */
export function parentDirectories(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** Dockerfile instructions applied on import. */
export function imageChanges(): string[] {
  return [
    'ENV PATH=/usr/bin:/bin',
    'WORKDIR /app',
    'CMD ["/usr/bin/node", "/app/server.js"]',
    `LABEL ${TEST_IMAGE_LABEL}=app`,
  ];
}

function ldd(binary: string): string[] {
  const result = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (result.status !== 0) throw new TestImageError(`ldd ${binary} failed: ${result.stderr}`);
  return parseLddOutput(result.stdout);
}

function collectFiles(): RootfsFile[] {
  const node = realpathSync(process.execPath);
  const bash = realpathSync('/bin/bash');
  const libraries = [...new Set([...ldd(node), ...ldd(bash)])];
  return rootfsFiles({ '/usr/bin/node': node, '/bin/bash': bash }, libraries, SERVER_SOURCE);
}

async function contentTag(files: readonly RootfsFile[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    const fileHash = createHash('sha256');
    await pipeline(createReadStream(file.source), fileHash);
    hash.update(`${file.path}\0${file.mode}\0${fileHash.digest('hex')}\n`);
  }
  hash.update(imageChanges().join('\n'));
  return hash.digest('hex').slice(0, 20);
}

async function writeRootfs(pack: tar.Pack, files: readonly RootfsFile[]): Promise<void> {
  const dirs = [...parentDirectories(files.map((file) => file.path)), '/tmp'];
  for (const dir of dirs) {
    pack.entry({ name: dir.slice(1), type: 'directory', mode: dir === '/tmp' ? 0o1777 : 0o755 });
  }
  for (const file of files) {
    const size = statSync(file.source).size;
    // Entries must be written one after the other: wait for each before the next.
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: file.path.slice(1), size, mode: file.mode, uid: 0, gid: 0 }, (err) =>
        err ? reject(err) : resolve(),
      );
      createReadStream(file.source).on('error', reject).pipe(entry);
    });
  }
  pack.finalize();
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

async function importRootfs(docker: Docker, files: readonly RootfsFile[], tag: string): Promise<void> {
  const pack = tar.pack();
  const written = writeRootfs(pack, files);
  // tar-stream's pack is a streamx stream; the Engine client wants a Node stream.
  const body = pack.pipe(new PassThrough());
  const stream = await docker.importImage(body, { repo: LOCAL_REPOSITORY, tag, changes: imageChanges() } as object);
  await Promise.all([written, followProgress(docker.modem, stream, 'importing the test image')]);
}

/** The locally cached test image (`slipway-test-app:<content hash>`), built when missing. */
export async function ensureLocalTestAppImage(docker: Docker): Promise<string> {
  const files = collectFiles();
  const name = `${LOCAL_REPOSITORY}:${await contentTag(files)}`;
  if (!(await imageExists(docker, name))) {
    await importRootfs(docker, files, name.split(':')[1]!);
  }
  return name;
}

const pushed = new Map<string, Promise<ImageRef>>();

/** Builds (once per content) and pushes the test app image to `registry` (host:port). */
export function buildTestAppImage(docker: Docker, registry: string): Promise<ImageRef> {
  const cached = pushed.get(registry);
  if (cached) return cached;
  const result = pushTestAppImage(docker, registry);
  pushed.set(registry, result);
  result.catch(() => pushed.delete(registry));
  return result;
}

async function pushTestAppImage(docker: Docker, registry: string): Promise<ImageRef> {
  const local = await ensureLocalTestAppImage(docker);
  const tag = local.split(':')[1]!;
  const remote = `${registry}/${TEST_APP_REPOSITORY}`;
  await docker.getImage(local).tag({ repo: remote, tag });
  // The Engine wants an X-Registry-Auth header even for a registry without auth.
  const stream = await docker.getImage(`${remote}:${tag}`).push({ authconfig: {} } as object);
  const events = await followProgress(docker.modem, stream, `pushing the test image to ${registry}`);
  const digest = pushedDigest(events);
  if (!digest) throw new TestImageError(`pushing the test image to ${registry} reported no digest`);
  return { repository: TEST_APP_REPOSITORY, digest };
}

/** Removes the references to the test image that name `registry` (tags from the push,
 *  digests from pulls); the content-tagged local image stays cached. */
export async function removeTestAppImageReferences(docker: Docker, registry: string): Promise<void> {
  const prefix = `${registry}/${TEST_APP_REPOSITORY}`;
  const images = await docker.listImages({ filters: { reference: [prefix] }, digests: true } as object);
  for (const image of images) {
    const references = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter((ref) => ref.startsWith(`${prefix}:`) || ref.startsWith(`${prefix}@`));
    for (const reference of references) {
      await docker.getImage(reference).remove({ noprune: true }).catch(() => {});
    }
  }
  pushed.delete(registry);
}

