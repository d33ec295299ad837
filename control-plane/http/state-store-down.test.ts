// Redis killed under a running control plane (kill -9, then started again on its port and
// data): API requests fail fast with a 503 that says what is wrong, and recover by themselves.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startRedis, type RunningService } from '../../supervisor/services.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} };
let cp: TestControlPlane;
let revived: RunningService | null = null;

beforeAll(async () => {
  cp = await startTestControlPlane({}, { builder: noBuilds });
});
afterAll(async () => {
  await cp?.stop();
  await revived?.stop();
});

async function getApps(): Promise<{ status: number; body: { id?: string; message?: string }; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${cp.url}/apps`, {
    headers: { authorization: `Bearer ${cp.adminToken}`, accept: 'application/vnd.heroku+json; version=3' },
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as { id?: string; message?: string }, ms: performance.now() - started };
}

test('with Redis down: a fast 503 naming it; back up: answers again without a restart', async () => {
  expect((await getApps()).status).toBe(200);
  const argv = cp.redis.process.child.spawnargs;
  const dataDir = argv[argv.indexOf('--dir') + 1]!;
  const port = Number(new URL(cp.redis.url).port);

  cp.redis.process.child.kill('SIGKILL');
  await cp.redis.process.exited;
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await getApps());
  console.log(`with Redis down: ${answers.map((a) => `${a.status} in ${a.ms.toFixed(0)} ms`).join(', ')}`);
  for (const answer of answers) {
    expect(answer.status).toBe(503);
    expect(answer.body.id).toBe('service_unavailable');
    expect(answer.body.message).toMatch(/Redis/);
    expect(answer.ms).toBeLessThan(2_000);
  }

  revived = await startRedis({ dataDir, port });
  const started = performance.now();
  await waitFor('the API to answer again', async () => (await getApps()).status === 200, 30_000);
  console.log(`answered 200 again ${(performance.now() - started).toFixed(0)} ms after Redis came back`);
});
