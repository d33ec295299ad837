import { describe, expect, it } from 'vitest';
import type { LogDrainJson } from '../../common/api-shapes.js';
import { drainTable } from './drains.js';

const drain = (url: string, token: string): LogDrainJson => ({ id: `id-${token}`, url, token, addon: null, app: { id: 'a', name: 'hello' }, created_at: '2026-12-05T00:00:00.000Z', updated_at: '2026-12-05T00:00:00.000Z' });

describe('drainTable', () => {
  it('lists URL and token per drain', () => {
    expect(drainTable([drain('syslog+tls://logs.example.com:6514', 'd.1'), drain('https://logs.example.com/in', 'd.2')])).toEqual([
      'URL                                 TOKEN',
      '----------------------------------  -----',
      'syslog+tls://logs.example.com:6514  d.1',
      'https://logs.example.com/in         d.2',
    ]);
  });
});
