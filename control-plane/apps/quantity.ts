// How many instances of a process type a formation update asks for. Heroku's API takes the
// quantity as a number or as a string, and a string may be relative ("+1", "-2": what
// `heroku ps:scale web+1` sends) to the quantity the type has now. Pure.
import { z } from 'zod';
import { DYNO_SIZES, type DynoSize } from '../../common/types.js';

export const MAX_QUANTITY = 100;

export const quantityParam = z.union([
  z.number().int().min(0).max(MAX_QUANTITY),
  z.string().regex(/^[+-]?\d{1,6}$/, 'quantity must be a whole number, or +N / -N to change it by N'),
]);
export type QuantityParam = z.infer<typeof quantityParam>;

/** A size as Heroku's clients send it: any case (`Standard` as `standard`). */
export const sizeParam = z.preprocess(
  (value) => (typeof value === 'string' ? value.toLowerCase() : value),
  z.enum(Object.keys(DYNO_SIZES) as [DynoSize, ...DynoSize[]]),
);

/** The absolute quantity `param` asks for when the type runs `current` now; a relative
 *  decrease stops at 0 (as on Heroku); past MAX_QUANTITY is a problem to tell the user. */
export function resolveQuantity(param: QuantityParam, current: number): { quantity: number } | { problem: string } {
  let quantity: number;
  if (typeof param === 'number') quantity = param;
  else if (param.startsWith('+') || param.startsWith('-')) quantity = Math.max(0, current + Number(param));
  else quantity = Number(param);
  if (quantity > MAX_QUANTITY) return { problem: `quantity ${quantity} is more than ${MAX_QUANTITY}, the most one process type may run` };
  return { quantity };
}
