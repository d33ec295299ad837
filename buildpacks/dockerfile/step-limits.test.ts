// The limits on a Dockerfile build's RUN steps: what is written where (pure), and, with the real
// engine, BuildKit and registry, a step over the build's memory is killed and the build fails
// saying so, while one within it builds.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildApp, removeAppCaches } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { gitArchiveOf, removeTestContainers, testBuilderConfig } from '../testing/build-fixtures.js';
import { DEFAULT_STEP_LIMITS_HOST, killedForMemory, stepLimitWrites } from './step-limits.js';

const limits = { memoryMb: 96, cpus: 0.5, pidsLimit: 256 };

describe('stepLimitWrites', () => {
  it('on cgroup v1 writes each controller hierarchy, memory+swap lifted before memory is set', () => {
    const { dirs, writes } = stepLimitWrites(1, '/docker/buildkit', limits);
    expect(dirs).toEqual(['memory/docker/buildkit', 'cpu/docker/buildkit', 'pids/docker/buildkit']);
    expect(writes).toEqual([
      { file: 'memory/docker/buildkit/memory.memsw.limit_in_bytes', value: '-1' },
      { file: 'memory/docker/buildkit/memory.limit_in_bytes', value: String(96 * 1024 * 1024) },
      { file: 'memory/docker/buildkit/memory.memsw.limit_in_bytes', value: String(96 * 1024 * 1024) },
      { file: 'cpu/docker/buildkit/cpu.cfs_period_us', value: '100000' },
      { file: 'cpu/docker/buildkit/cpu.cfs_quota_us', value: '50000' },
      { file: 'pids/docker/buildkit/pids.max', value: '256' },
    ]);
  });

  it('on cgroup v2 delegates the controllers down from the root, and allows no swap', () => {
    const { dirs, writes } = stepLimitWrites(2, '/docker/buildkit', { ...limits, cpus: 2 });
    expect(dirs).toEqual(['docker/buildkit']);
    expect(writes).toEqual([
      { file: 'cgroup.subtree_control', value: '+memory +cpu +pids' },
      { file: 'docker/cgroup.subtree_control', value: '+memory +cpu +pids' },
      { file: 'docker/buildkit/memory.max', value: String(96 * 1024 * 1024) },
      { file: 'docker/buildkit/memory.swap.max', value: '0' },
      { file: 'docker/buildkit/cpu.max', value: '200000 100000' },
      { file: 'docker/buildkit/pids.max', value: '256' },
    ]);
  });

  it('recognises a step killed by SIGKILL in BuildKit output', () => {
    expect(killedForMemory('ERROR: executor failed running [/bin/sh -c x]: exit code: 137')).toBe(true);
    expect(killedForMemory('ERROR: executor failed running [/bin/sh -c x]: exit code: 1')).toBe(false);
  });
});

describe('Dockerfile builds under the build limits (real engine and BuildKit)', () => {
  const docker = new Docker();
  let registry: RunningService;
  let config: BuilderConfig;
  let stack: Stack;
  const appIds: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    const base = testBuilderConfig(registry.url);
    config = { ...base, limits: { ...base.limits, ...limits } };
    stack = await ensureStack(docker, config, () => {});
  });

  afterAll(async () => {
    await removeTestContainers(docker);
    for (const appId of appIds) await removeAppCaches(config.cacheDir, appId);
    await registry?.stop();
  });

  async function buildDockerfile(name: string, run: string) {
    const appId = `id-${name}-${Date.now().toString(36)}`;
    appIds.push(appId);
    const lines: string[] = [];
    const outcome = buildApp(docker, config, stack, {
      buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      appName: name,
      appId,
      source: Readable.from(await gitArchiveOf({ Dockerfile: `FROM slipway/stack:${stack.name}\nRUN : ${appId} no step from the cache && ${run}\nCMD ["sleep", "1"]\n` })),
      log: (line) => void lines.push(line),
    });
    return { outcome, lines };
  }

  it('kills a RUN step that goes over the memory limit, and the build says why', async () => {
    const { outcome, lines } = await buildDockerfile('steps-oom', 'dd if=/dev/zero of=/dev/null bs=400M count=1 && echo allocated');
    const error = await outcome.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as Error).message).toBe('A RUN step was killed (exit code 137): the build\'s steps may use 96 MB of memory and 0.5 CPU in all.');
    expect(lines.join('\n')).not.toMatch(/#\d+ [\d.]+ allocated$/m);
    // The limits sit on BuildKit's step cgroup of this machine.
    const v1 = join(DEFAULT_STEP_LIMITS_HOST.cgroupRoot, 'memory', DEFAULT_STEP_LIMITS_HOST.parent, 'memory.limit_in_bytes');
    const v2 = join(DEFAULT_STEP_LIMITS_HOST.cgroupRoot, DEFAULT_STEP_LIMITS_HOST.parent, 'memory.max');
    const written = await readFile(v1, 'utf8').catch(() => readFile(v2, 'utf8'));
    expect(Number(written.trim())).toBe(96 * 1024 * 1024);
  });

  it('builds when the steps stay within the limits', async () => {
    const { outcome, lines } = await buildDockerfile('steps-within', 'dd if=/dev/zero of=/dev/null bs=16M count=1 && echo allocated');
    const built = await outcome;
    expect(built.buildpack).toBe('dockerfile');
    expect(lines.join('\n')).toMatch(/#\d+ [\d.]+ allocated$/m);
  });
});
