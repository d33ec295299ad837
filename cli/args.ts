// Command-line arguments into API requests: pure functions, tested beside. Errors name the
// offending argument, except for config values, which are secrets and never echoed.
import { processTypeProblem } from '../common/names.js';
import { DYNO_SIZES, type DynoSize } from '../common/types.js';
import { UsageError } from './errors.js';

export interface ScaleChange {
  type: string;
  quantity?: number;
  size?: DynoSize;
}

const SIZES = Object.keys(DYNO_SIZES) as DynoSize[];
const isSize = (value: string): value is DynoSize => (SIZES as string[]).includes(value);
const QUANTITY = /^\d+$/;

/** `web=3`, `web=2:standard` or `web=standard` (size only) → formation updates. */
export function parseScaleArgs(args: readonly string[]): ScaleChange[] {
  const changes = new Map<string, ScaleChange>();
  for (const arg of args) {
    const equals = arg.indexOf('=');
    if (equals <= 0) throw new UsageError(`Invalid scale argument ${arg}: use TYPE=QUANTITY[:SIZE], e.g. web=2 or web=2:standard.`);
    const type = arg.slice(0, equals);
    const value = arg.slice(equals + 1);
    const typeProblem = processTypeProblem(type);
    if (typeProblem) throw new UsageError(`Invalid process type in ${arg}: ${typeProblem}.`);
    if (changes.has(type)) throw new UsageError(`Process type ${type} is given more than once.`);

    const [quantityText, sizeText, ...rest] = value.split(':');
    const change: ScaleChange = { type };
    if (rest.length > 0 || quantityText === undefined) throw new UsageError(`Invalid scale argument ${arg}: use TYPE=QUANTITY[:SIZE].`);
    if (sizeText === undefined && isSize(quantityText)) {
      change.size = quantityText;
    } else {
      if (!QUANTITY.test(quantityText)) throw new UsageError(`Invalid quantity in ${arg}: use a whole number, e.g. ${type}=2.`);
      change.quantity = Number(quantityText);
      if (sizeText !== undefined) {
        if (!isSize(sizeText)) throw new UsageError(`Unknown dyno size ${sizeText} in ${arg}: use one of ${SIZES.join(', ')}.`);
        change.size = sizeText;
      }
    }
    changes.set(type, change);
  }
  return [...changes.values()];
}

// The API's rule (control-plane/routes/config-vars.ts), checked here so that the user hears
// about a bad name before anything is sent.
const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const NAME_RULE = 'use letters, digits and underscores, not starting with a digit';

/** `KEY=VALUE` pairs; the value is everything after the first '=' and may contain '='. */
export function parseConfigAssignments(args: readonly string[]): Record<string, string> {
  const assignments: Record<string, string> = {};
  args.forEach((arg, i) => {
    const equals = arg.indexOf('=');
    // The argument may be a value pasted without its key: say which one, never what it is.
    if (equals < 0) throw new UsageError(`config:set takes KEY=VALUE arguments; argument ${i + 1} has no '='.`);
    const name = arg.slice(0, equals);
    if (name === '') throw new UsageError(`config:set takes KEY=VALUE arguments; argument ${i + 1} has no key before '='.`);
    // not echoed either: a pasted base64 secret ends in '=' and looks like KEY=VALUE
    if (!CONFIG_NAME.test(name)) throw new UsageError(`Invalid config var name in argument ${i + 1}: ${NAME_RULE}.`);
    assignments[name] = arg.slice(equals + 1);
  });
  return assignments;
}

/** Config var names to unset. */
export function parseConfigNames(args: readonly string[]): string[] {
  for (const name of args) {
    if (!CONFIG_NAME.test(name)) throw new UsageError(`Invalid config var name ${name}: ${NAME_RULE}.`);
  }
  return [...new Set(args)];
}

/** `v12` or `12` → 12. */
export function parseReleaseVersion(arg: string): number {
  const match = /^v?(\d+)$/.exec(arg);
  const version = match ? Number(match[1]) : 0;
  if (!Number.isSafeInteger(version) || version < 1) throw new UsageError(`Invalid release ${arg}: use a version like v12.`);
  return version;
}

/** A positive whole number from an option or argument (`-n 100`, `hosts:add 2`). */
export function parsePositiveInteger(what: string, arg: string): number {
  if (!/^\d+$/.test(arg) || Number(arg) < 1 || !Number.isSafeInteger(Number(arg))) {
    throw new UsageError(`Invalid ${what} ${arg}: use a whole number of at least 1.`);
  }
  return Number(arg);
}
