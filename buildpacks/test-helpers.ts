// Shared by the builder's tests (not a test file): a config on shared cache directories, so
// the stack and Node.js runtimes are built once per machine, and throwaway containers that
// carry a label naming this test run, so cleanup removes only what these tests created.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { builderConfig, type BuilderConfig } from './config.js';

export const TEST_RUN_LABEL = 'io.slipway.test.run';
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

/** Removes the containers this test run created (found by label) and nothing else. */
export async function removeTestContainers(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${testRunId}`] } });
  for (const info of containers) await docker.getContainer(info.Id).remove({ force: true });
}
