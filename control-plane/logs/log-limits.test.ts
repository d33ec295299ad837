// The app log stream's disk limits on real NATS: all apps' logs together stay within the
// stream's byte limit (the oldest go first, the newest are still shown through the API), one
// message past the size limit is refused, and a stream an earlier version created without
// limits gets them.
import { connect, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { encode, subjects, type LogLine } from '../../common/protocol.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestNats } from '../../test/support/services.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { ensureLogStream, LOG_STREAM } from './stream.js';

const MAX_BYTES = 200_000;
const MAX_MESSAGE_BYTES = 4_096;
const noBuilds = { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('none')), tagImage: async () => {} };

let cp: TestControlPlane;
let nats: NatsConnection;
beforeAll(async () => {
  cp = await startTestControlPlane(
    { SLIPWAY_LOG_STREAM_MAX_BYTES: String(MAX_BYTES), SLIPWAY_LOG_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) },
    { builder: noBuilds },
  );
  nats = await connect({ servers: cp.nats.url });
});
afterAll(async () => {
  await nats?.close();
  await cp?.stop();
});

const line = (app: string, n: number, text: string): LogLine => ({ appName: app, source: 'app', process: 'web.1', line: `${n} ${text}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString() });

test('the log stream stays within its byte limit, keeps the newest lines and refuses an oversized message', async () => {
  const admin = apiClient(cp.url, cp.adminToken);
  const ids: Record<string, string> = {};
  for (const app of ['noisy', 'quiet']) ids[app] = (await admin('POST', '/apps', { name: app })).body.id;
  const js = nats.jetstream();
  await js.publish(subjects.logs(ids.quiet!), encode(line('quiet', 0, 'hello')));
  // 600 kB of lines from one app: three times what the stream may hold
  for (let n = 1; n <= 200; n++) await js.publish(subjects.logs(ids.noisy!), encode(line('noisy', n, 'x'.repeat(3_000))));

  const jsm = await nats.jetstreamManager();
  const info = await jsm.streams.info(LOG_STREAM);
  console.log(`after 600 kB of lines: the stream holds ${info.state.bytes} bytes in ${info.state.messages} messages (max_bytes ${info.config.max_bytes})`);
  expect(info.config.max_bytes).toBe(MAX_BYTES);
  expect(info.state.bytes).toBeLessThanOrEqual(MAX_BYTES);
  expect(info.state.messages).toBeGreaterThan(0);

  const res = await fetch(`${cp.url}/apps/noisy/logs?lines=1`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('app[web.1]: 200 xxx');

  const refused = await js.publish(subjects.logs(ids.noisy!), encode(line('noisy', 201, 'y'.repeat(MAX_MESSAGE_BYTES)))).then(
    () => null,
    (err: Error) => err.message,
  );
  console.log(`a ${MAX_MESSAGE_BYTES}-byte line: ${refused}`);
  expect(refused).toMatch(/message size exceeds maximum allowed/);
});

test('a log stream created without limits (an earlier version) gets them', async () => {
  let own: RunningService | null = null;
  let nc: NatsConnection | null = null;
  try {
    own = await startTestNats();
    nc = await connect({ servers: own.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: LOG_STREAM, subjects: [subjects.allLogs], retention: RetentionPolicy.Limits, storage: StorageType.File });
    await ensureLogStream(nc, { maxBytes: MAX_BYTES, maxMessageBytes: MAX_MESSAGE_BYTES });
    const { config } = await jsm.streams.info(LOG_STREAM);
    expect([config.max_bytes, config.max_msg_size]).toEqual([MAX_BYTES, MAX_MESSAGE_BYTES]);
  } finally {
    await nc?.close();
    await own?.stop();
  }
});
