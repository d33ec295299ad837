// Logs through the API: history from JetStream, then following new lines.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, subjects, type LogLine } from '../../common/protocol.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { waitFor } from '../../test/support/wait.js';
import { formatLogLine, readLogs } from './stream.js';

const line = (n: number, process = 'web.1'): LogLine => ({
  appName: 'logged',
  source: 'app',
  process,
  line: `line ${n}`,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

describe('app logs', () => {
  let cp: TestControlPlane;
  let nats: NatsConnection;
  let appId: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({ SLIPWAY_LOG_TAILS_PER_USER: '2' }, { builder: { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('none')), tagImage: async () => {} } });
    nats = await connect({ servers: cp.nats.url });
    appId = (await apiClient(cp.url, cp.adminToken)('POST', '/apps', { name: 'logged' })).body.id;
    const js = nats.jetstream();
    for (let n = 1; n <= 5; n++) await js.publish(subjects.logs(appId), encode(line(n)));
  });
  afterAll(async () => {
    await nats?.close();
    await cp?.stop();
  });

  it('formats lines the way heroku logs does', () => {
    expect(formatLogLine(line(1))).toBe('2026-01-01T00:00:01.000Z app[web.1]: line 1');
    expect(formatLogLine({ ...line(2), source: 'router', process: 'router' })).toBe('2026-01-01T00:00:02.000Z slipway[router]: line 2');
  });

  it('shows the last N lines', async () => {
    const res = await fetch(`${cp.url}/apps/logged/logs?lines=2`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split('\n')).toEqual([formatLogLine(line(4)), formatLogLine(line(5))]);
  });

  it('follows new lines with tail=true', async () => {
    const abort = new AbortController();
    const res = await fetch(`${cp.url}/apps/logged/logs?lines=1&tail=true`, {
      headers: { authorization: `Bearer ${cp.adminToken}` },
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil('line 5');
    nats.publish(subjects.logs(appId), encode(line(6)));
    await readUntil('line 6');
    abort.abort();
    expect(text.trim().split('\n')).toEqual([formatLogLine(line(5)), formatLogLine(line(6))]);
  });

  it('caps the tails one user holds open, answering 429 in the error shape, and frees a slot when one closes', async () => {
    const open = () => {
      const abort = new AbortController();
      const response = fetch(`${cp.url}/apps/logged/logs?tail=true`, { headers: { authorization: `Bearer ${cp.adminToken}` }, signal: abort.signal });
      return { abort, response };
    };
    const first = open();
    const second = open();
    expect((await first.response).status).toBe(200);
    expect((await second.response).status).toBe(200);
    const third = await fetch(`${cp.url}/apps/logged/logs?tail=true`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({ id: 'rate_limit', message: 'You already follow 2 logs (the most one user may at once): stop one first.' });
    // history without tail is not capped
    expect((await fetch(`${cp.url}/apps/logged/logs?lines=1`, { headers: { authorization: `Bearer ${cp.adminToken}` } })).status).toBe(200);
    first.abort.abort();
    const again = await waitFor('a tail slot to free up', async () => {
      const attempt = open();
      const response = await attempt.response;
      if (response.status === 200) return attempt;
      await response.body?.cancel();
      return null;
    }, 10_000);
    again.abort.abort();
    second.abort.abort();
  });

  it('expands batches (the router publishes its access lines so)', async () => {
    const batch = { appName: 'logged', source: 'router', process: 'router', lines: [line(7), line(8)].map(({ line: text, at }) => ({ line: text, at })) };
    await nats.jetstream().publish(subjects.logs(appId), encode(batch));
    const res = await fetch(`${cp.url}/apps/logged/logs?lines=2`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect((await res.text()).trim().split('\n')).toEqual([
      `${line(7).at} slipway[router]: line 7`,
      `${line(8).at} slipway[router]: line 8`,
    ]);
  });

  it('ends a tail aborted while it was still being set up', async () => {
    const abort = new AbortController();
    const lines = readLogs(nats, appId, { lines: 1, tail: true, signal: abort.signal });
    const next = lines.next();
    abort.abort(); // before the consumer exists: the abort event has fired by the time it does
    const outcome = await Promise.race([next.then(async (first) => (first.done ? 'ended' : (await lines.next()).done ? 'ended' : 'open')), sleep(5_000).then(() => 'still open after 5 s')]);
    expect(outcome).toBe('ended');
  });

  it('rejects bad parameters and unknown apps', async () => {
    const api = apiClient(cp.url, cp.adminToken);
    expect((await api('GET', '/apps/logged/logs?lines=0')).status).toBe(422);
    expect((await api('GET', '/apps/nope/logs')).status).toBe(404);
  });
});
