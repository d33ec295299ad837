// Disk pressure as the operator sees it: a control plane on real Redis and NATS, started with a
// free-space threshold above what this machine's volumes have, warns in its log and reports
// the free space on its /metrics; one with thresholds below the free space stays quiet.
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../agent/testing/agent-fixtures.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestNats, startTestRedis } from '../../test/support/services.js';
import { waitFor } from '../../test/support/wait.js';
import { loadControlPlaneConfig } from '../config.js';
import { startControlPlane, type ControlPlane } from '../platform.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('none')), tagImage: async () => {} };
let redis: RunningService;
let nats: RunningService;
let home: string;
const started: ControlPlane[] = [];

beforeAll(async () => {
  [redis, nats] = await Promise.all([startTestRedis(), startTestNats()]);
  home = await mkdtemp(join(tmpdir(), 'slipway-test-disk-'));
});

afterAll(async () => {
  for (const cp of started) await cp.stop();
  await Promise.all([redis?.stop(), nats?.stop()]);
  await rm(home, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  const { log, lines } = capturingLogger();
  const config = loadControlPlaneConfig({
    SLIPWAY_HOME: home,
    SLIPWAY_API_PORT: '0',
    SLIPWAY_CONTROL_PLANE_METRICS_PORT: '0',
    SLIPWAY_REDIS_URL: redis.url,
    SLIPWAY_NATS_URL: nats.url,
    SLIPWAY_REGISTRY: '127.0.0.1:1',
    SLIPWAY_LOCAL_HOSTS: '0',
    ...env,
  });
  const cp = await startControlPlane(config, log, { builder: noBuilds });
  started.push(cp);
  return { cp, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const gauge = (text: string, name: string, volume: string) => Number(new RegExp(`^${name}\\{volume="${volume}"\\} (\\S+)$`, 'm').exec(text)?.[1]);

describe('disk pressure', () => {
  it('warns and reports when free space is below the threshold, for the state dir and Docker’s data root', async () => {
    const dockerRoot = ((await new Docker().info()) as { DockerRootDir: string }).DockerRootDir;
    const [state, docker] = await Promise.all([statfs(home), statfs(dockerRoot)]);
    const free = (s: typeof state) => s.bavail * s.bsize;
    // A threshold 1 GB above the larger free space: both volumes are "low".
    const thresholdMb = Math.ceil(Math.max(free(state), free(docker)) / 1024 / 1024) + 1024;
    const { cp, lines } = await start({ SLIPWAY_DISK_MIN_FREE_MB: String(thresholdMb), SLIPWAY_DISK_CHECK_INTERVAL_SECONDS: '0.2' });

    const warnings = await waitFor('a disk warning per volume', () => {
      const found = lines().filter((line) => line.level === 40 && String(line.msg).startsWith('disk space low'));
      return new Set(found.map((line) => line.volume)).size === 2 ? found : undefined;
    }, 30_000);
    expect(warnings.find((line) => line.volume === 'state')).toMatchObject({ path: home, minFreeBytes: thresholdMb * 1024 * 1024 });
    expect(warnings.find((line) => line.volume === 'docker')).toMatchObject({ path: dockerRoot });
    console.log(`state dir: ${free(state)} bytes free, docker: ${free(docker)} bytes free, threshold ${thresholdMb} MB`);

    const text = await (await fetch(cp.metricsUrl!)).text();
    for (const [volume, stats] of [['state', state], ['docker', docker]] as const) {
      // Within 1 GB of what the test measured (other tests write meanwhile).
      expect(Math.abs(gauge(text, 'slipway_disk_free_bytes', volume) - free(stats))).toBeLessThan(1024 ** 3);
      expect(gauge(text, 'slipway_disk_free_ratio', volume)).toBeCloseTo(stats.bavail / stats.blocks, 1);
      expect(gauge(text, 'slipway_disk_low', volume)).toBe(1);
    }
  });

  it('stays quiet with thresholds below the free space, and still reports it', async () => {
    const { cp, lines } = await start({ SLIPWAY_DISK_MIN_FREE_MB: '0', SLIPWAY_DISK_MIN_FREE_PERCENT: '0', SLIPWAY_DISK_CHECK_INTERVAL_SECONDS: '0.2' });
    const text = await waitFor('the gauges', async () => {
      const body = await (await fetch(cp.metricsUrl!)).text();
      return body.includes('slipway_disk_low{volume="docker"}') ? body : undefined;
    }, 30_000);
    expect(gauge(text, 'slipway_disk_low', 'state')).toBe(0);
    expect(gauge(text, 'slipway_disk_free_bytes', 'state')).toBeGreaterThan(0);
    expect(lines().filter((line) => String(line.msg).startsWith('disk space'))).toEqual([]);
  });
});
