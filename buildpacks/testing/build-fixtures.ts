// Shared by the builder's tests (not a test file): a config on shared cache directories, so
// the stack and Node.js runtimes are built once per machine, and throwaway containers that
// carry a label naming this test run, so cleanup removes only what these tests created.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { request } from 'undici';
import { pullReference } from '../../common/image-reference.js';
import { TEST_RUN_LABEL } from '../../common/labels.js';
import { builderConfig, type BuilderConfig } from '../config.js';

export { TEST_RUN_LABEL };
export const testRunId = `buildpacks-${randomBytes(4).toString('hex')}`;

/** Shared, persistent cache directories for the builder's tests. */
export const TEST_BUILDER_DIR = join(tmpdir(), 'slipway-test-builder');

export function testBuilderConfig(registry: string, overrides: Partial<BuilderConfig> = {}): BuilderConfig {
  return {
    ...builderConfig({
      registry,
      baseDir: TEST_BUILDER_DIR,
      labels: { [TEST_RUN_LABEL]: testRunId },
      limits: { memoryMb: 1024, cpus: 1, timeoutSeconds: 600 },
    }),
    ...overrides,
  };
}

/** Runs `argv` in a fresh container of `image` (no network) and returns its output and exit code. */
export async function runInImage(
  docker: Docker,
  image: string,
  argv: string[],
): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: argv,
    Labels: { [TEST_RUN_LABEL]: testRunId },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk: Buffer) => (output += chunk.toString()));
    docker.modem.demuxStream(stream, sink, sink);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await new Promise((resolve) => setImmediate(resolve));
    return { exitCode: StatusCode, output };
  } finally {
    await container.remove({ force: true });
  }
}

/** Runs the image's web process with PORT published on 127.0.0.1, GETs each of `paths` (default /), then stops it; `body` is the first's. */
export async function serveOnce(
  docker: Docker,
  image: string,
  command: string,
  paths: readonly string[] = ['/'],
): Promise<{ body: string; bodies: string[]; exitCode: number }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['bash', '-c', command],
    Env: ['PORT=5000'],
    Labels: { [TEST_RUN_LABEL]: testRunId },
    ExposedPorts: { '5000/tcp': {} },
    HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Memory: 256 * 1024 * 1024 },
  });
  try {
    await container.start();
    const info = await container.inspect();
    const port = Number(info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort);
    const bodies: string[] = [];
    for (const path of paths) {
      let body: string | null = null;
      for (let attempt = 0; attempt < 100 && body === null; attempt++) {
        try {
          const response = await request(`http://127.0.0.1:${port}${path}`, { headersTimeout: 2000, bodyTimeout: 2000 });
          body = await response.body.text();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      bodies.push(body ?? '(no answer)');
    }
    await container.stop({ t: 10 }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) throw err; // already stopped: the exit code below tells why
    });
    const stopped = await container.inspect();
    return { body: bodies[0]!, bodies, exitCode: stopped.State.ExitCode };
  } finally {
    await container.remove({ force: true });
  }
}

/** Removes the containers this test run created (found by label) and nothing else. */
export async function removeTestContainers(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${testRunId}`] } });
  for (const info of containers) await docker.getContainer(info.Id).remove({ force: true });
}

/** A tar of `files` as `git archive` makes it: committed to a throwaway repository first. */
export async function gitArchiveOf(files: Record<string, string>): Promise<Buffer> {
  const repo = await mkdtemp(join(tmpdir(), 'slipway-fixture-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(repo, name)), { recursive: true });
      await writeFile(join(repo, name), content);
    }
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=Slipway Tests', '-c', 'user.email=tests@slipway.invalid', ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
    git('init', '-q');
    git('add', '--all');
    git('commit', '-q', '-m', 'fixture');
    return git('archive', '--format=tar', 'HEAD');
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

/** The files of a fixture app under test/fixtures/. */
export async function fixtureFiles(name: string): Promise<Record<string, string>> {
  const dir = fileURLToPath(new URL(`../../test/fixtures/${name}/`, import.meta.url));
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length)] = await readFile(path, 'utf8');
  }
  return files;
}

/** Pulls a built image by digest through the engine, as an agent does; the reference is added to `pulled` for cleanup. */
export async function pullBuiltImage(docker: Docker, registryUrl: string, image: { repository: string; digest: string }, pulled: string[]): Promise<string> {
  const ref = pullReference(registryUrl, image.repository, image.digest);
  await new Promise<void>((resolve, reject) => {
    docker.pull(ref, (err: Error | null, stream: NodeJS.ReadableStream) => {
      if (err) return reject(err);
      docker.modem.followProgress(stream, (done: Error | null) => (done ? reject(done) : resolve()));
    });
  });
  pulled.push(ref);
  return ref;
}

export const uniqueAppName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
