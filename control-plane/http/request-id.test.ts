import { expect, test } from 'vitest';
import { requestIdFor } from './request-id.js';

test("a fresh id, after the client's own when it sent a sane one", () => {
  expect(requestIdFor('', 'f')).toBe('f');
  expect(requestIdFor('abc-123,def', 'f')).toBe('abc-123,def,f');
  expect(requestIdFor('with space', 'f')).toBe('f');
  expect(requestIdFor('x'.repeat(201), 'f')).toBe('f');
  expect(requestIdFor('a\r\nSet-Cookie: x', 'f')).toBe('f');
});
