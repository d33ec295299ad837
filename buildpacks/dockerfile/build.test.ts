// Dockerfile builds on the real engine, BuildKit and registry: a RUN step over the build's
// memory is killed and the build says so while one within it builds; Docker Hub bases (FROM
// and COPY --from) come from the operator's mirror (here the test registry, which holds the
// stack's image under Docker Hub's names: nothing is pulled from outside).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followProgress } from '../../common/docker-progress.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildApp, removeAppCaches } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { gitArchiveOf, removeTestContainers, testBuilderConfig } from '../testing/build-fixtures.js';
import { DEFAULT_STEP_LIMITS_HOST } from './step-limits.js';

const limits = { memoryMb: 96, cpus: 0.5, pidsLimit: 256 };

describe('Dockerfile builds (real engine and BuildKit)', () => {
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

  async function buildFiles(name: string, dockerfile: (appId: string) => string, builder = config) {
    const appId = `id-${name}-${Date.now().toString(36)}`;
    appIds.push(appId);
    const lines: string[] = [];
    const outcome = buildApp(docker, builder, stack, {
      buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      appName: name,
      appId,
      source: Readable.from(await gitArchiveOf({ Dockerfile: dockerfile(appId) })),
      log: (line) => void lines.push(line),
    });
    return { outcome, lines };
  }

  const buildDockerfile = (name: string, run: string) =>
    buildFiles(name, (appId) => `FROM slipway/stack:${stack.name}\nRUN : ${appId} no step from the cache && ${run}\nCMD ["sleep", "1"]\n`);

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

  it("takes Docker Hub bases from the operator's mirror, FROM and COPY --from alike", async () => {
    // The mirror holds the stack's run image under Docker Hub's names.
    const mirror = `${registry.url.replace(/^https?:\/\//, '')}/hub`;
    for (const name of ['library/debian:bookworm', 'acme/tools:1']) {
      const [repo, tag] = `${mirror}/${name}`.split(/:(?=[^:/]+$)/) as [string, string];
      await docker.getImage(stack.runImage).tag({ repo, tag });
      await followProgress(docker.modem, (await docker.getImage(`${repo}:${tag}`).push({ authconfig: {} })) as unknown as NodeJS.ReadableStream, `push ${repo}:${tag}`);
      await docker.getImage(`${repo}:${tag}`).remove();
    }
    const { outcome, lines } = await buildFiles('mirrored', (appId) => `FROM debian:bookworm\nCOPY --from=acme/tools:1 /etc/os-release /tools-os-release\nRUN : ${appId} && cat /tools-os-release | head -1\n`, { ...config, dockerBaseMirror: mirror });
    const built = await outcome;
    expect(built.buildpack).toBe('dockerfile');
    const log = lines.join('\n');
    expect(log).toContain(`FROM ${mirror}/library/debian:bookworm`);
    expect(log).toMatch(/#\d+ [\d.]+ PRETTY_NAME="Debian GNU\/Linux 12 \(bookworm\)"$/m);

    // A base the mirror does not have fails the build naming it.
    const missing = await buildFiles('unmirrored', () => 'FROM nothere:1\n', { ...config, dockerBaseMirror: mirror });
    const error = await missing.outcome.then(() => null, (err: unknown) => err);
    expect((error as Error).message).toContain(`${mirror}/library/nothere:1`);
  });
});
