// Heroku's `env` on a one-off dyno (`heroku run` sends TERM, COLUMNS and LINES, and `-e`'s
// variables): the terminal size comes from COLUMNS and LINES, the rest are the run's variables
// over the release's config. Pure.
import { z } from 'zod';
import { ttySize } from '../../common/protocol.js';

const MAX_VARS = 64;
const MAX_VALUE_BYTES = 8 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

/** What the API accepts: names to strings or numbers (Heroku's CLI sends COLUMNS and LINES as numbers). */
export const runEnv = z
  .record(z.string(), z.union([z.string(), z.number()]))
  .refine((env) => Object.keys(env).length <= MAX_VARS, `env: at most ${MAX_VARS} variables`)
  .refine((env) => Object.keys(env).every((name) => NAME.test(name)), 'env: names are letters, digits and underscores, not starting with a digit')
  .refine((env) => Object.values(env).every((value) => Buffer.byteLength(String(value)) <= MAX_VALUE_BYTES), `env: a value is at most ${MAX_VALUE_BYTES} bytes`);

export function runEnvironment(env: Record<string, string | number>): { tty: { cols: number; rows: number } | null; vars: Record<string, string> } {
  const vars = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)]));
  const size = ttySize.safeParse({ cols: Number(vars.COLUMNS), rows: Number(vars.LINES) });
  return { tty: size.success ? size.data : null, vars };
}
