// Slow clients cannot hold the API's sockets (real control plane, raw TCP on 127.0.0.1):
// headers or a body trickled in are cut off with a 408, while a response may stream for
// longer than the request limit (a log tail here; a push's build alike).
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';

const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('no builds')), tagImage: async () => {} };
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startTestControlPlane({ SLIPWAY_API_HEADERS_TIMEOUT_SECONDS: '1', SLIPWAY_API_REQUEST_TIMEOUT_SECONDS: '2' }, { builder: noBuilds });
});
afterAll(async () => {
  await cp?.stop();
});

/** Sends `text`, then nothing; resolves with what came back and when the server closed (or null after `waitMs`). */
function stall(text: string, waitMs: number): Promise<{ answer: string; closedAfterMs: number | null }> {
  const { port } = new URL(cp.url);
  return new Promise((resolve) => {
    const started = performance.now();
    let answer = '';
    const socket: Socket = connect({ host: '127.0.0.1', port: Number(port) }, () => socket.write(text));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedAfterMs: null });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
    socket.on('error', () => {});
  });
}

test('headers trickled in: 408 after the headers limit', async () => {
  const { answer, closedAfterMs } = await stall('GET /apps HTTP/1.1\r\nHost: 127.0.0.1\r\n', 8_000);
  console.log(`half-sent headers: closed after ${closedAfterMs?.toFixed(0)} ms`);
  expect(closedAfterMs).not.toBeNull();
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
});

test('a body trickled in: 408 after the request limit', async () => {
  const head = `PATCH /apps/none/config-vars HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${cp.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"A":`;
  const { answer, closedAfterMs } = await stall(head, 8_000);
  console.log(`half-sent body: closed after ${closedAfterMs?.toFixed(0)} ms`);
  expect(closedAfterMs).not.toBeNull();
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
});

test('a response streams past the request limit', async () => {
  expect((await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'long-tail' })).status).toBe(201);
  const response = await fetch(`${cp.url}/apps/long-tail/logs?tail=true`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const ended = reader.read().then(async function drain(result): Promise<boolean> {
    return result.done ? true : drain(await reader.read());
  });
  const outcome = await Promise.race([ended, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 4_000))]);
  expect(outcome).toBe('open');
  await reader.cancel();
});
