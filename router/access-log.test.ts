import { describe, expect, it } from 'vitest';
import { logLinesOf } from '../common/protocol.js';
import { accessLogHandler, MAX_BATCH_LINES } from './access-log-publisher.js';
import { errorCode, formatAccessLine, parseAccessLog, statusClass } from './access-log.js';

const REST = 'method=GET path="/cart?id=\\"7\\"" host=shop.example request_id=0af0e8f6-45c3-4e52-a6c2-52d2a2f5a8b1 fwd="127.0.0.1"';
const OK = `slot_3 s7 1764028800123 200 371 1 12 14 ---- - 1 ${REST}`;

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
    const record = parseAccessLog('public <NOSRV> 1764028800123 400 0 -1 -1 0 PR-- - 0 method=<BADREQ> path="<BADREQ>" host=- request_id=- fwd="10.0.0.1"');
    expect(record).toMatchObject({ server: null, status: 400, connectMs: null, serviceMs: null });
    expect(errorCode(record!)).toBe('H26');
    expect(parseAccessLog('haproxy started')).toBeNull();
    expect(parseAccessLog('a b c d e f g h i j k not-our-format')).toBeNull();
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
});
