import { describe, expect, it } from 'vitest';
import { logLinesOf } from '../common/protocol.js';
import { accessLogHandler, MAX_BATCH_LINES } from './access-log-publisher.js';
import { errorCode, formatAccessLine, herokuLine, parseAccessLog, readAccessLine, statusClass } from './access-log.js';
import { createRouterMetrics } from './metrics.js';

const REST = 'method=GET path="/cart?id=\\"7\\"" host=shop.example request_id=0af0e8f6-45c3-4e52-a6c2-52d2a2f5a8b1 fwd="127.0.0.1"';
const OK = `slot_3 s7 1764028800123 ---- - ${REST} connect=1ms service=12ms total=14ms status=200 bytes=371 protocol=https`;

describe('parseAccessLog', () => {
  it('reads the leading fields and keeps HAProxy\'s part of the line', () => {
    expect(parseAccessLog(OK)).toEqual({
      backend: 'slot_3',
      server: 's7',
      acceptedAtMs: 1764028800123,
      status: 200,
      bytes: 371,
      connectMs: 1,
      serviceMs: 12,
      totalMs: 14,
      termination: '----',
      code: null,
      tls: true,
      rest: REST,
    });
  });

  it('reads requests that never reached a server, and refuses other text', () => {
    const record = parseAccessLog('public <NOSRV> 1764028800123 PR-- - method=<BADREQ> path="<BADREQ>" host=- request_id=- fwd="10.0.0.1" connect=-1ms service=-1ms total=0ms status=400 bytes=0 protocol=http');
    expect(record).toMatchObject({ server: null, status: 400, connectMs: null, serviceMs: null, totalMs: 0, tls: false });
    expect(errorCode(record!)).toBe('H26');
    expect(parseAccessLog('haproxy started')).toBeNull();
    expect(parseAccessLog('a b c d e f g h i j k not-our-format')).toBeNull();
    expect(parseAccessLog(`slot_3 s7 1764028800123 ---- - ${REST}`)).toBeNull();
  });

  it('finds the timers after a path that looks like them', () => {
    const tricky = OK.replace('path="/cart?id=\\"7\\""', 'path="/x?a= connect=9ms status=500 bytes=1"');
    expect(parseAccessLog(tricky)).toMatchObject({ connectMs: 1, status: 200, bytes: 371, rest: expect.stringContaining('a= connect=9ms status=500') });
  });
});

describe('herokuLine', () => {
  const shop = { appName: 'shop', instanceId: 'web.1' };
  it('copies HAProxy\'s line for a request that went normally: the same line formatAccessLine writes', () => {
    const line = readAccessLine(OK)!;
    expect(line.normal).toBe(true);
    expect(herokuLine(line, shop)).toBe(formatAccessLine(parseAccessLog(OK)!, shop));
    expect(herokuLine(line, shop)).toBe(`at=info ${REST} instance=web.1 connect=1ms service=12ms total=14ms status=200 bytes=371 protocol=https`);
  });

  it.each([
    ['an error status', OK.replace('status=200', 'status=503')],
    ['a termination state', OK.replace(' ---- ', ' CD-- ')],
    ['a page code', OK.replace(' ---- - ', ' ---- H14 ')],
    ['an unmeasured timer', OK.replace('service=12ms', 'service=-1ms')],
    ['no server', OK.replace(' s7 ', ' <NOSRV> ')],
  ])('writes the line itself after %s', (_, message) => {
    const line = readAccessLine(message)!;
    expect(line.normal).toBe(false);
    expect(herokuLine(line, shop)).toBe(formatAccessLine(parseAccessLog(message)!, shop));
    expect(herokuLine(line, shop)).toMatch(/^at=(error code=H\d\d desc="[^"]+"|info) method=GET /);
  });
});

describe('errorCode', () => {
  const base = parseAccessLog(OK)!;
  it.each([
    [{ code: 'H14' }, 'H14'],
    [{ status: 504, termination: 'sH--' }, 'H12'],
    [{ status: 503, termination: 'SC--' }, 'H21'],
    [{ status: 502, termination: 'SH--' }, 'H13'],
    [{ status: 200, termination: 'CD--' }, 'H27'],
    [{ status: 408, termination: 'cR--' }, 'H28'],
    [{}, null],
  ])('%o → %s', (change, code) => {
    expect(errorCode({ ...base, ...change })).toBe(code);
  });
});

describe('formatAccessLine', () => {
  it('writes Heroku-style key=value lines', () => {
    expect(formatAccessLine(parseAccessLog(OK)!, { appName: 'shop', instanceId: 'web.1' })).toBe(
      `at=info ${REST} instance=web.1 connect=1ms service=12ms total=14ms status=200 bytes=371 protocol=https`,
    );
    const failed = { ...parseAccessLog(OK)!, status: 503, server: null, code: 'H14', connectMs: null, serviceMs: null };
    expect(formatAccessLine(parseAccessLog(OK.replace('service=12ms', 'service=-1ms'))!, { appName: 'shop', instanceId: 'web.1' })).toContain(' service=- total=14ms ');
    expect(formatAccessLine(failed, { appName: 'shop', instanceId: null })).toMatch(/^at=error code=H14 desc="Application unavailable" method=GET .* instance=- connect=- service=- /);
  });

  it('groups statuses in classes', () => {
    expect([statusClass(204), statusClass(503), statusClass(-1)]).toEqual(['2xx', '5xx', 'none']);
  });
});

describe('accessLogHandler', () => {
  it('batches lines per app and publishes them on flush, with each request\'s own time', () => {
    const published: unknown[] = [];
    const handle = accessLogHandler({
      attribution: (backend, server) => (backend === 'slot_3' ? { appName: 'shop', instanceId: server } : null),
      publish: (batch) => published.push(batch),
    });
    handle(OK);
    handle(OK.replace('1764028800123', '1764028800456'));
    handle(OK.replace('slot_3', 'slot_9'));
    handle('garbage');
    expect(published).toEqual([]);
    handle.flush();
    expect(published).toHaveLength(1);
    const lines = logLinesOf(published[0]);
    expect(lines.map((l) => [l.appName, l.source, l.at])).toEqual([
      ['shop', 'router', '2025-11-25T00:00:00.123Z'],
      ['shop', 'router', '2025-11-25T00:00:00.456Z'],
    ]);
    expect(lines[0]!.line).toMatch(/^at=info method=GET .* instance=s7 /);
    handle.flush();
    expect(published).toHaveLength(1);
  });

  it('publishes a full batch at once', () => {
    const published: unknown[] = [];
    const handle = accessLogHandler({ attribution: () => ({ appName: 'shop', instanceId: 's7' }), publish: (batch) => published.push(batch) });
    for (let i = 0; i < MAX_BATCH_LINES; i++) handle(OK);
    expect(published).toHaveLength(1);
    expect(logLinesOf(published[0])).toHaveLength(MAX_BATCH_LINES);
  });

  it('counts requests by app and status class, handed to the metrics on flush', async () => {
    const metrics = createRouterMetrics();
    const handle = accessLogHandler({ attribution: () => ({ appName: 'shop', instanceId: 's7' }), publish: () => {}, metrics });
    handle(OK);
    handle(OK);
    handle(OK.replace('status=200', 'status=503'));
    const counted = async () => (await metrics.requests.get()).values.map(({ labels, value }) => [labels.status_class, value]);
    expect(await counted()).toEqual([]);
    handle.flush();
    expect(await counted()).toEqual([
      ['2xx', 2],
      ['5xx', 1],
    ]);
    handle(OK);
    handle.flush();
    handle.flush();
    expect(await counted()).toEqual([
      ['2xx', 3],
      ['5xx', 1],
    ]);
    expect((await metrics.requestDuration.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(4);
  });
});
