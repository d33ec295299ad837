import { describe, expect, it } from 'vitest';
import { errorCode, formatAccessLine, parseAccessLog, statusClass } from './access-log.js';

const OK = '127.0.0.1 slot_3 s7 200 371 0 1 12 14 ---- 0af0e8f6-45c3-4e52-a6c2-52d2a2f5a8b1 - 1 HTTP/2.0 GET "shop.example" "/cart" "?id=\\"7\\""';

describe('parseAccessLog', () => {
  it('reads every field of the router log format', () => {
    expect(parseAccessLog(OK)).toEqual({
      clientIp: '127.0.0.1',
      backend: 'slot_3',
      server: 's7',
      status: 200,
      bytes: 371,
      queueMs: 0,
      connectMs: 1,
      serviceMs: 12,
      totalMs: 14,
      termination: '----',
      requestId: '0af0e8f6-45c3-4e52-a6c2-52d2a2f5a8b1',
      code: null,
      tls: true,
      httpVersion: 'HTTP/2.0',
      method: 'GET',
      host: 'shop.example',
      path: '/cart?id=\\"7\\"',
    });
  });

  it('reads requests that never reached a server, and refuses other text', () => {
    const record = parseAccessLog('10.0.0.1 public <NOSRV> 400 0 -1 -1 -1 0 PR-- - - 0 <BADREQ> <BADREQ> "" "<BADREQ>" ""');
    expect(record).toMatchObject({ server: null, status: 400, connectMs: null, requestId: null });
    expect(errorCode(record!)).toBe('H26');
    expect(parseAccessLog('haproxy started')).toBeNull();
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
      'at=info method=GET path="/cart?id=\\"7\\"" host=shop.example request_id=0af0e8f6-45c3-4e52-a6c2-52d2a2f5a8b1 fwd="127.0.0.1" instance=web.1 connect=1ms service=12ms total=14ms status=200 bytes=371 protocol=https',
    );
    const failed = { ...parseAccessLog(OK)!, status: 503, server: null, code: 'H14', connectMs: null, serviceMs: null };
    expect(formatAccessLine(failed, { appName: 'shop', instanceId: null })).toMatch(/^at=error code=H14 desc="Application unavailable" .* instance=- connect=- service=- /);
  });

  it('groups statuses in classes', () => {
    expect([statusClass(204), statusClass(503), statusClass(-1)]).toEqual(['2xx', '5xx', 'none']);
  });
});
