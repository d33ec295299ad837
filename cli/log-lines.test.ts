import { describe, expect, it } from 'vitest';
import { LineSplitter, parseLogLine } from './log-lines.js';

describe('parseLogLine', () => {
  it('reads the log format', () => {
    expect(parseLogLine('2026-11-24T22:00:00.000Z app[web.1]: listening on 5000')).toEqual({
      at: '2026-11-24T22:00:00.000Z',
      source: 'app',
      process: 'web.1',
      message: 'listening on 5000',
    });
    expect(parseLogLine('2026-11-24T22:00:00.000Z slipway[api]: Set A config vars: v2')).toMatchObject({
      source: 'slipway',
      process: 'api',
      message: 'Set A config vars: v2',
    });
    expect(parseLogLine('2026-11-24T22:00:00.000Z app[web.1]: ')).toMatchObject({ message: '' });
  });

  it('returns null for other text', () => {
    expect(parseLogLine('hello')).toBeNull();
    expect(parseLogLine('2026-11-24 app[web.1]: x')).toBeNull();
  });
});

describe('LineSplitter', () => {
  it('joins chunks into whole lines and keeps the unterminated rest', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('one\ntw')).toEqual(['one']);
    expect(splitter.push('o\r\nthree\n\nfo')).toEqual(['two', 'three', '']);
    expect(splitter.push('ur')).toEqual([]);
    expect(splitter.end()).toEqual(['four']);
    expect(splitter.end()).toEqual([]);
  });
});
