import { describe, expect, it } from 'vitest';
import { rendezvousUrl, secretLine } from './rendezvous.js';
import { runEnv, runEnvironment } from './run-env.js';

describe("Heroku's rendezvous, pure parts", () => {
  it('reads the secret from the first line, with or without a slash or a query, and keeps what follows', () => {
    expect(secretLine(Buffer.from('abc'))).toBeNull();
    expect(secretLine(Buffer.from('abc\r\nls\r'))).toEqual({ secret: 'abc', rest: Buffer.from('ls\r') });
    expect(secretLine(Buffer.from('/abc?x=1\n'))).toEqual({ secret: 'abc', rest: Buffer.alloc(0) });
  });

  it('names the host and port in the attach URL, IPv6 in brackets', () => {
    expect(rendezvousUrl('api.example.com', 5785, 's3cret')).toBe('rendezvous://api.example.com:5785/s3cret');
    expect(rendezvousUrl('::1', 5785, 's')).toBe('rendezvous://[::1]:5785/s');
  });
});

describe("a run's env (Heroku's)", () => {
  it('takes the terminal size from COLUMNS and LINES, numbers or strings, and passes every variable on', () => {
    expect(runEnvironment({ TERM: 'xterm', COLUMNS: 120, LINES: '40' })).toEqual({ tty: { cols: 120, rows: 40 }, vars: { TERM: 'xterm', COLUMNS: '120', LINES: '40' } });
    expect(runEnvironment({ DEBUG: '1' })).toEqual({ tty: null, vars: { DEBUG: '1' } });
    expect(runEnvironment({ COLUMNS: 'wide', LINES: 0 }).tty).toBeNull();
  });

  it('refuses names that are no variable names, too many, and values too long', () => {
    expect(runEnv.safeParse({ 'A-B': '1' }).success).toBe(false);
    expect(runEnv.safeParse(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, '1']))).success).toBe(false);
    expect(runEnv.safeParse({ BIG: 'x'.repeat(9000) }).success).toBe(false);
    expect(runEnv.safeParse({ OK_1: 'x', _B: 2 }).success).toBe(true);
  });
});
