import { expect, test } from 'vitest';
import { MAX_QUANTITY, quantityParam, resolveQuantity, sizeParam } from './quantity.js';

test.each([
  [2, 5, 2],
  ['2', 5, 2],
  ['0', 5, 0],
  ['+1', 2, 3],
  ['-1', 2, 1],
  ['-5', 2, 0],
  ['+0', 4, 4],
  ['007', 1, 7],
])('quantity %j with %i running is %i', (param, current, expected) => {
  expect(resolveQuantity(quantityParam.parse(param), current)).toEqual({ quantity: expected });
});

test('more than the most one type may run is a problem, relative or not', () => {
  expect(resolveQuantity(`${MAX_QUANTITY + 1}`, 0)).toEqual({ problem: expect.stringContaining(`more than ${MAX_QUANTITY}`) });
  expect(resolveQuantity('+1', MAX_QUANTITY)).toEqual({ problem: expect.stringContaining(`quantity ${MAX_QUANTITY + 1}`) });
  expect(resolveQuantity(MAX_QUANTITY, 0)).toEqual({ quantity: MAX_QUANTITY });
});

test.each([[-1], [1.5], [MAX_QUANTITY + 1], ['two'], ['2x'], [''], ['+'], [' 2'], [null], [true]])('quantity %j is refused', (param) => {
  expect(quantityParam.safeParse(param).success).toBe(false);
});

test('sizes are taken in any case', () => {
  expect(sizeParam.parse('Standard')).toBe('standard');
  expect(sizeParam.parse('basic')).toBe('basic');
  expect(sizeParam.safeParse('Standard-2X').success).toBe(false);
});
