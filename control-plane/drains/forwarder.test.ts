// Drain forwarders against real receivers on loopback (TLS syslog, UDP syslog, HTTPS), the
// TLS certificate checked against a CA made for the test; a drain outage in the middle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { LogLine } from '../../common/protocol.js';
import { httpsDrainReceiver, tlsSyslogReceiver, udpSyslogReceiver } from '../../test/support/drain-receivers.js';
import { makeTestCa, type TestCa } from '../../test/support/test-ca.js';
import { waitFor } from '../../test/support/wait.js';
import { AddressPolicy } from './addresses.js';
import type { DropReport } from './buffer.js';
import { DrainForwarder, retryDelayMs } from './forwarder.js';
import { drainTransport, guardedLookup } from './transports.js';
import { parseDrainUrl } from './url.js';

const loopback = new AddressPolicy(['127.0.0.0/8']);
const line = (text: string, source: LogLine['source'] = 'app'): LogLine => ({ appName: 'hello', appId: 'a1', source, process: source === 'router' ? 'router' : 'web.1', line: text, at: new Date().toISOString() });

function forwarder(url: string, ca: string | undefined, options: { capacity?: number; addresses?: AddressPolicy } = {}) {
  const reports: DropReport[] = [];
  const counts = { delivered: 0, dropped: 0 };
  const addresses = options.addresses ?? loopback;
  const target = parseDrainUrl(url, { allowHttp: false, addresses: loopback });
  const drain = { id: 'drain-1', token: 'd.test-token', url };
  const f = new DrainForwarder(drain, drainTransport(target, { token: drain.token, ca, addresses, timeoutMs: 2000 }), {
    capacity: options.capacity ?? 100,
    batchLines: 20,
    retry: { baseMs: 50, capMs: 200 },
    report: (drops) => reports.push(drops),
    delivered: (n) => (counts.delivered += n),
    dropped: (n) => (counts.dropped += n),
    logger: silentLogger(),
  });
  f.start();
  return { f, reports, counts };
}

describe('drain forwarders against real receivers', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await makeTestCa();
  });
  afterAll(async () => {
    await ca.remove();
  });

  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, { baseMs: 500, capMs: 5000 }))).toEqual([500, 1000, 2000, 4000, 5000]);
  });

  it('sends RFC 5424 over TLS, verifying the certificate against the trusted CA', async () => {
    const receiver = await tlsSyslogReceiver(ca);
    const { f, counts } = forwarder(`syslog+tls://127.0.0.1:${receiver.port}`, ca.caCert);
    for (let i = 0; i < 50; i++) f.offer(line(`line ${i}`));
    await waitFor('the receiver to get the lines', () => receiver.messages.length === 50, 5000);
    expect(receiver.messages[0]).toMatch(/^<190>1 \S+ d\.test-token app web\.1 - - line 0$/);
    expect(receiver.messages[49]).toMatch(/ line 49$/);
    expect(counts.delivered).toBe(50);
    expect(receiver.connections).toBe(1);
    await f.stop();
    await receiver.stop();
  });

  it('refuses a TLS drain whose certificate the CA did not sign', async () => {
    const receiver = await tlsSyslogReceiver(ca);
    const { f, counts } = forwarder(`syslog+tls://127.0.0.1:${receiver.port}`, undefined); // Node's bundled CAs only
    f.offer(line('secret'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.messages).toEqual([]);
    expect(counts.delivered).toBe(0);
    await f.stop();
    await receiver.stop();
  });

  it('sends one message a datagram over UDP', async () => {
    const receiver = await udpSyslogReceiver();
    const { f } = forwarder(`syslog+udp://127.0.0.1:${receiver.port}`, undefined);
    for (let i = 0; i < 10; i++) f.offer(line(`udp ${i}`, 'router'));
    await waitFor('the receiver to get the lines', () => receiver.messages.length === 10, 5000);
    expect(receiver.messages[3]).toMatch(/^<158>1 \S+ d\.test-token slipway router - - udp 3$/);
    await f.stop();
    await receiver.stop();
  });

  it("POSTs Heroku's logplex batches over HTTPS, and repeats a refused one with the same frame id", async () => {
    const receiver = await httpsDrainReceiver(ca);
    receiver.status = 503;
    const { f } = forwarder(receiver.url, ca.caCert);
    for (let i = 0; i < 30; i++) f.offer(line(`https ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    receiver.status = 200;
    await waitFor('the receiver to get the lines', () => receiver.messages().length === 30, 5000);
    const [first] = receiver.requests;
    expect(first!.headers['content-type']).toBe('application/logplex-1');
    expect(first!.headers['logplex-drain-token']).toBe('d.test-token');
    expect(first!.headers['logplex-msg-count']).toBe(String(first!.messages.length));
    expect(first!.headers['logplex-frame-id']).toMatch(/^[0-9A-F]{32}$/);
    expect(receiver.refusedFrameIds.length).toBeGreaterThan(0);
    expect(new Set([...receiver.refusedFrameIds, first!.headers['logplex-frame-id']]).size).toBe(1);
    expect(receiver.messages()[0]).toMatch(/^<190>1 \S+ d\.test-token app web\.1 - - https 0\n$/);
    await f.stop();
    await receiver.stop();
  });

  it('refuses names that resolve to internal addresses, unless allowed', async () => {
    const resolve = (policy: AddressPolicy) =>
      new Promise<string>((done) => guardedLookup(policy)('localhost', { family: 4 }, (err, address) => done(err ? `refused: ${err.message}` : String(address))));
    expect(await resolve(new AddressPolicy())).toMatch(/^refused: localhost resolves to internal addresses only/);
    expect(await resolve(loopback)).toBe('127.0.0.1');
  });

  it('never dials an internal address the policy refuses', async () => {
    const receiver = await tlsSyslogReceiver(ca);
    const { f } = forwarder(`syslog+tls://127.0.0.1:${receiver.port}`, ca.caCert, { addresses: new AddressPolicy() });
    f.offer(line('no'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.connections).toBe(0);
    await f.stop();
    await receiver.stop();
  });

  it('keeps going through an outage: offering never waits, drops are counted and reported, lines after recovery arrive', async () => {
    const receiver = await tlsSyslogReceiver(ca);
    const { f, reports, counts } = forwarder(`syslog+tls://127.0.0.1:${receiver.port}`, ca.caCert, { capacity: 100 });
    f.offer(line('before'));
    await waitFor('the receiver to get the lines', () => receiver.messages.length === 1, 5000);
    await receiver.stop();
    const started = Date.now();
    for (let i = 0; i < 1000; i++) f.offer(line(`during ${i}`));
    const offerMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await receiver.start();
    await waitFor('the receiver to get the lines', () => receiver.messages.some((m) => m.endsWith(' during 999')), 10_000);
    f.offer(line('after'));
    await waitFor('the receiver to get the lines', () => receiver.messages.some((m) => m.endsWith(' after')), 5000);
    expect(offerMs).toBeLessThan(200);
    // at most the buffer (100) and one batch in flight (20) of the 1000 survive the outage
    const survived = receiver.messages.filter((m) => / during \d+$/.test(m)).length;
    expect(survived).toBeLessThanOrEqual(120);
    expect(reports.length).toBe(1);
    expect(reports[0]!.count).toBe(counts.dropped);
    expect(counts.dropped).toBeGreaterThanOrEqual(1000 - 120);
    await f.stop();
    await receiver.stop();
  });
});
