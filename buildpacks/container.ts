// One build container on the Docker Engine: started once, build steps run in it by `docker
// exec` (argv arrays), output streamed line by line, killed at the deadline or on abort,
// always removed.
import type Docker from 'dockerode';
import { buildNetwork } from './build-network.js';
import { buildContainerOptions, execOptions, type BuildContainerSpec } from './container-spec.js';
import { BuildError } from './errors.js';
import type { BuildLog } from './log.js';
import { dockerOutputLines } from './output-lines.js';

export interface StepResult {
  exitCode: number | null;
}

export class BuildContainer {
  private stopReason: string | null = null;

  private constructor(
    private readonly container: Docker.Container,
    private readonly spec: BuildContainerSpec,
  ) {}

  /** Why the container was stopped early (timeout or cancellation), or null. */
  get stopped(): string | null {
    return this.stopReason;
  }

  static async start(docker: Docker, spec: BuildContainerSpec): Promise<BuildContainer> {
    const container = spec.offline
      ? await docker.createContainer(buildContainerOptions(spec))
      : await buildNetwork(docker).join((networkId) => docker.createContainer(buildContainerOptions(spec, networkId)));
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    return new BuildContainer(container, spec);
  }

  /**
   * Runs `argv` in the container, each output line (stdout and stderr, cut at `maxLineBytes`)
   * to `onLine`; while a line's promise is pending, the command's output waits.
   */
  async run(argv: readonly string[], onLine: BuildLog, maxLineBytes: number): Promise<StepResult> {
    if (this.stopReason) return { exitCode: null };
    const exec = await this.container.exec(execOptions(argv, this.spec));
    const stream = await exec.start({ hijack: true, stdin: false });
    const lines = dockerOutputLines(maxLineBytes, onLine);
    await new Promise<void>((resolve) => {
      const end = () => {
        if (!lines.writableEnded) lines.end();
      };
      stream.once('end', end);
      stream.once('close', end);
      stream.once('error', end);
      lines.once('finish', resolve);
      lines.once('error', () => resolve());
      stream.pipe(lines, { end: false });
    });
    for (let attempt = 0; attempt < 50; attempt++) {
      const info = await exec.inspect();
      if (!info.Running) return { exitCode: info.ExitCode ?? null };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { exitCode: null };
  }

  /**
   * Whether the container's memory use peaked at its limit (cgroup v1 reports the peak; Docker
   * marks OOMKilled only when the container's first process dies, never for an exec'd step).
   */
  async reachedMemoryLimit(): Promise<boolean> {
    const stats = (await this.container.stats({ stream: false }).catch(() => null)) as {
      memory_stats?: { max_usage?: number; limit?: number };
    } | null;
    const memory = stats?.memory_stats;
    return Boolean(memory?.max_usage && memory.limit && memory.max_usage >= memory.limit);
  }

  /** Kills the container (and so the running step), remembering why. */
  async stop(reason: string): Promise<void> {
    this.stopReason ??= reason;
    await this.container.kill().catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
  }
}

/**
 * Runs `fn` with a started build container that is killed after the wall-clock limit or when
 * `signal` aborts, and removed afterwards whatever happened.
 */
export async function withBuildContainer<T>(
  docker: Docker,
  spec: BuildContainerSpec,
  signal: AbortSignal | undefined,
  fn: (container: BuildContainer) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const container = await BuildContainer.start(docker, spec);
  const timeoutReason = `The build timed out after ${spec.limits.timeoutSeconds} s.`;
  const timer = setTimeout(() => void container.stop(timeoutReason), spec.limits.timeoutSeconds * 1000);
  const onAbort = () => void container.stop('The build was cancelled.');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await fn(container);
    if (container.stopped) throw new BuildError(container.stopped);
    return result;
  } catch (err) {
    if (container.stopped && !(err instanceof BuildError && err.reason === container.stopped)) {
      throw new BuildError(container.stopped, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await container.remove();
  }
}
