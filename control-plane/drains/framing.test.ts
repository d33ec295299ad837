import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../common/protocol.js';
import { logplexBatch } from './logplex.js';
import { cutUtf8, octetFrame, syslogMessage } from './syslog.js';

const line = (over: Partial<LogLine> = {}): LogLine => ({ appName: 'hello', appId: 'a1', source: 'app', process: 'web.1', line: 'listening on 5000', at: '2026-01-02T03:04:05.678Z', ...over });
const TOKEN = 'd.9173ea1f-6f14-4976-9cf0-7cd0dafdcdbc';

describe('RFC 5424 messages', () => {
  it('puts the drain token in HOSTNAME, app or slipway in APP-NAME and the process in PROCID', () => {
    expect(syslogMessage(line(), TOKEN)).toBe(`<190>1 2026-01-02T03:04:05.678Z ${TOKEN} app web.1 - - listening on 5000`);
    expect(syslogMessage(line({ source: 'router', process: 'router', line: 'at=info method=GET' }), TOKEN)).toBe(`<158>1 2026-01-02T03:04:05.678Z ${TOKEN} slipway router - - at=info method=GET`);
    expect(syslogMessage(line({ source: 'slipway', process: 'web.1', line: 'State changed' }), TOKEN)).toMatch(/^<134>1 .* slipway web\.1 - - State changed$/);
  });

  it('keeps header fields printable and the message whole UTF-8 within the limit', () => {
    expect(syslogMessage(line({ process: 'we b\u00e9' }), TOKEN)).toContain(' app we_b_ - - ');
    expect(syslogMessage(line({ process: '' }), TOKEN)).toContain(' app - - - ');
    expect(syslogMessage(line({ line: 'trailing\n' }), TOKEN)).toMatch(/ trailing$/);
    const long = syslogMessage(line({ line: '\u00e9'.repeat(20_000) }), TOKEN);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(10_000);
    expect(long.endsWith('\u00e9')).toBe(true);
    expect(cutUtf8('a\u00e9b', 2)).toBe('a');
    expect(syslogMessage(line({ at: 'not a time' }), TOKEN, { now: () => new Date('2026-02-03T00:00:00.000Z') })).toContain(' 2026-02-03T00:00:00.000Z ');
  });

  it('frames by octet counting (RFC 6587), counting bytes not characters', () => {
    expect(octetFrame('abc')).toBe('3 abc');
    expect(octetFrame('\u00e9')).toBe('2 \u00e9');
    const frame = octetFrame(syslogMessage(line(), TOKEN));
    const [count, ...rest] = frame.split(' ');
    expect(Number(count)).toBe(Buffer.byteLength(rest.join(' ')));
  });
});

describe("Heroku's HTTPS drain batch (application/logplex-1)", () => {
  it('sends the count, frame id and token in headers and newline-ended octet-counted frames', () => {
    const batch = logplexBatch([line(), line({ line: 'second' })], TOKEN, '09C557EAFCFB6CF2740EE62F62971098');
    expect(batch.headers).toMatchObject({ 'content-type': 'application/logplex-1', 'logplex-msg-count': '2', 'logplex-frame-id': '09C557EAFCFB6CF2740EE62F62971098', 'logplex-drain-token': TOKEN });
    const first = `<190>1 2026-01-02T03:04:05.678Z ${TOKEN} app web.1 - - listening on 5000\n`;
    const second = `<190>1 2026-01-02T03:04:05.678Z ${TOKEN} app web.1 - - second\n`;
    expect(batch.body).toBe(`${Buffer.byteLength(first)} ${first}${Buffer.byteLength(second)} ${second}`);
  });
});
