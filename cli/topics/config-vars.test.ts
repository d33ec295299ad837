import { describe, expect, it } from 'vitest';
import { configLines, redact } from './config-vars.js';

describe('configLines', () => {
  it('aligns values under a heading, sorted by name', () => {
    expect(configLines('hello', { SECRET_KEY: 'x=y', A: '1' })).toEqual(['=== hello Config Vars', 'A:          1', 'SECRET_KEY: x=y']);
    expect(configLines('hello', {})).toEqual(['hello has no config vars.']);
  });
});

describe('redact', () => {
  it('replaces every occurrence of each secret, longest first', () => {
    expect(redact('bad value hunter2x and hunter2xyz; hunter2x', ['hunter2x', 'hunter2xyz'])).toBe(
      'bad value [redacted] and [redacted]; [redacted]',
    );
  });
  it('leaves short values alone: they would mangle the message and are no secret worth hiding', () => {
    expect(redact('Set A on v1', ['1', 'on'])).toBe('Set A on v1');
  });
});
