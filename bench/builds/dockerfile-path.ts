// The Dockerfile path of `bench:builds`, as Kamal, Coolify or CapRover users deploy: BuildKit
// builds the app's multi-stage Dockerfile, the image is pushed to the same registry, a
// container of it is started and polled on 127.0.0.1 until it answers with the new code.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { RegistryCredentials } from '../../common/registry-auth.js';
import { RegistryClient } from '../../buildpacks/oci/registry.js';
import { limitBuildSteps } from '../../buildpacks/dockerfile/step-limits.js';
import { DEFAULT_DYNO_SIZE, DYNO_SIZES } from '../../common/types.js';
import Docker from 'dockerode';
import { request } from 'undici';

const exec = promisify(execFile);
/** Debian's docker.io client: it drives the engine's own BuildKit with DOCKER_BUILDKIT=1, no buildx plugin needed. */
const DOCKER = '/usr/bin/docker';
const APP_PORT = 5000;
/** Linux's largest pid_max: no limit in practice. */
const WHOLE_MACHINE_PIDS = 4_194_304;

export interface RegistryLogin {
  registry: string;
  username: string;
  password: string;
}

export class DockerfilePath {
  private constructor(
    private readonly dockerConfig: string,
    readonly login: RegistryLogin,
  ) {}

  /** Logs a private Docker CLI config in to the registry (the user's own machine would have done so once). */
  static async start(login: RegistryLogin): Promise<DockerfilePath> {
    const dockerConfig = await mkdtemp(join(tmpdir(), 'bench-docker-config-'));
    const path = new DockerfilePath(dockerConfig, login);
    await path.docker(['login', login.registry, '--username', login.username, '--password-stdin'], login.password);
    return path;
  }

  async stop(): Promise<void> {
    await rm(this.dockerConfig, { recursive: true, force: true });
  }

  /** Forgets BuildKit's cache, so the first build starts as cold as a new app's first push. */
  async pruneBuildCache(): Promise<void> {
    await this.docker(['builder', 'prune', '--all', '--force']);
  }

  /** The app's source with its Dockerfile and a .dockerignore. */
  async context(sourceDir: string, dockerfile: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'bench-dockerfile-'));
    await cp(sourceDir, dir, { recursive: true, filter: (path) => !path.endsWith('/.git') });
    await writeFile(join(dir, 'Dockerfile'), await readFile(dockerfile));
    await writeFile(join(dir, '.dockerignore'), 'Dockerfile\n.dockerignore\n.git\n');
    return dir;
  }

  /** The CA bundle goes in as a BuildKit secret (`--mount=type=secret,id=ca`): RUN steps trust it, no layer keeps it. */
  /** Builds and pushes `image`; answers how long each took, in seconds. */
  async buildAndPush(context: string, image: string, buildArgs: Record<string, string>, caFile: string): Promise<{ build: number; push: number }> {
    const args = Object.entries(buildArgs).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
    const started = performance.now();
    // BuildKit's RUN steps share one cgroup on this engine, where Slipway's Dockerfile builds
    // leave their limits (a test's 96 MB hung this path once): this user's build gets the
    // whole machine, under the same lock, as on an engine of its own.
    const steps = await limitBuildSteps(new Docker(), { memoryMb: Math.floor(totalmem() / 2 ** 20), cpus: availableParallelism(), pidsLimit: WHOLE_MACHINE_PIDS });
    try {
      await this.docker(['build', '--progress=plain', '--secret', `id=ca,src=${caFile}`, '--tag', image, ...args, context]);
    } finally {
      await steps.release();
    }
    const built = performance.now();
    await this.docker(['push', image]);
    return { build: (built - started) / 1000, push: (performance.now() - built) / 1000 };
  }

  /**
   * Starts the image (as the stack user) with the limits of the dyno Slipway runs the app on,
   * memory and CPU, and waits for `expect` on /. Until 2026-12-06 only the memory was limited:
   * the twin booted on the whole machine against the dyno's half a CPU.
   */
  async runUntilServed(image: string, expect: string, started: number): Promise<{ container: string; servedAt: number }> {
    const { memoryMb, cpus } = DYNO_SIZES[DEFAULT_DYNO_SIZE];
    const limits = ['--memory', `${memoryMb}m`, '--cpus', String(cpus)];
    const { stdout } = await exec(DOCKER, ['run', '--detach', '--env', `PORT=${APP_PORT}`, ...limits, '--publish', `127.0.0.1::${APP_PORT}`, image], { env: this.env() });
    const container = stdout.trim();
    const port = Number((await exec(DOCKER, ['port', container, `${APP_PORT}/tcp`], { env: this.env() })).stdout.trim().split(':').at(-1));
    const deadline = started + 600_000;
    let last = '';
    while (performance.now() < deadline) {
      try {
        const response = await request(`http://127.0.0.1:${port}/`, { headersTimeout: 2000, bodyTimeout: 2000 });
        const body = await response.body.text();
        if (response.statusCode === 200 && body.includes(expect)) return { container, servedAt: performance.now() };
        last = `${response.statusCode} ${body.slice(0, 200)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(50);
    }
    throw new Error(`${image} never answered with ${expect}; last: ${last}`);
  }

  async remove(container: string): Promise<void> {
    await exec(DOCKER, ['rm', '--force', container], { env: this.env() }).catch(() => undefined);
  }

  async removeImage(image: string): Promise<void> {
    await exec(DOCKER, ['rmi', '--force', image], { env: this.env() }).catch(() => undefined);
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: this.dockerConfig };
  }

  private docker(args: string[], stdin?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(DOCKER, args, { env: this.env(), stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
      child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
      child.stdin.end(stdin ?? '');
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args[0]} exited ${code}:\n${output.slice(-4000)}`))));
    });
  }
}

/** Compressed size of an image in the registry: its layers and config, as a pull downloads them. */
export async function registryImageBytes(login: RegistryLogin, repository: string, reference: string): Promise<number> {
  // The platform's client: it answers the registry's token challenge with these credentials.
  const credentials = new RegistryCredentials(login.registry, login.username, login.password);
  const fetched = await new RegistryClient(login.registry, { credentials: async () => credentials }).getManifest(repository, reference);
  const manifest = JSON.parse(fetched.body.toString('utf8')) as { config: { size: number }; layers: { size: number }[] };
  return manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/** Removes every container and image of `registry`'s repositories from the engine (a bench round's apps). */
export async function removeRegistryImages(registry: string): Promise<void> {
  const docker = new Docker();
  const ours = (reference: string | undefined) => reference?.startsWith(`${registry}/`) ?? false;
  for (const container of await docker.listContainers({ all: true })) {
    if (ours(container.Image)) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const image of await docker.listImages()) {
    if ([...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].some(ours)) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
}
