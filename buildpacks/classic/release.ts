// What a buildpack's `bin/release` prints (pure): YAML with `default_process_types` (used
// for types the Procfile does not declare) and, in old buildpacks, `config_vars` (defaults
// under the app's own config vars). Anything else in it is ignored, as Heroku does.
import { parse } from 'yaml';
import { z } from 'zod';

export interface ReleaseInfo {
  defaultProcessTypes: Record<string, string>;
  configVars: Record<string, string>;
}

const PROCESS_TYPE = /^[A-Za-z0-9_-]{1,63}$/;
const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const releaseYaml = z
  .object({
    default_process_types: z.record(z.string(), z.string()).nullish(),
    config_vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
  })
  .passthrough();

/** The release info, or a problem in words (the buildpack's fault, told to the user). */
export function parseReleaseYaml(text: string): ReleaseInfo | string {
  if (text.trim() === '') return { defaultProcessTypes: {}, configVars: {} };
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 10 });
  } catch (err) {
    return `bin/release printed invalid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  if (document === null || document === undefined) return { defaultProcessTypes: {}, configVars: {} };
  const result = releaseYaml.safeParse(document);
  if (!result.success) {
    return 'bin/release must print a YAML mapping whose default_process_types maps process types to command strings';
  }
  const types = result.data.default_process_types ?? {};
  const badType = Object.keys(types).find((type) => !PROCESS_TYPE.test(type));
  if (badType !== undefined) return `bin/release names an invalid process type ${JSON.stringify(badType)}`;
  const emptyType = Object.keys(types).find((type) => types[type]!.trim() === '');
  if (emptyType !== undefined) return `bin/release gives the process type ${emptyType} an empty command`;
  const vars = result.data.config_vars ?? {};
  const badName = Object.keys(vars).find((name) => !CONFIG_NAME.test(name));
  if (badName !== undefined) return `bin/release names an invalid config var ${JSON.stringify(badName)}`;
  return {
    defaultProcessTypes: { ...types },
    configVars: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, String(value)])),
  };
}

/**
 * The app's process types: each buildpack's defaults in order (a later one wins, as on
 * Heroku the last buildpack's release does), and the Procfile's over all of them.
 */
export function mergeProcessTypes(defaults: readonly Record<string, string>[], procfile: Record<string, string> | null): Record<string, string> {
  return Object.assign({}, ...defaults, procfile ?? {}) as Record<string, string>;
}
