// Settings files an operator writes (the brand, the plans): read once at start, YAML (of which
// JSON is a part), checked with a zod schema; a problem is a ConfigError naming the file and the
// bad field (`plans.yaml: plans[0].sizes[0]: ...`).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';

/** Pure: `text` as `schema` says, or a ConfigError naming `source` and the first bad field. */
export function parseSettingsFile<S extends z.ZodType>(schema: S, text: string, source: string): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source}: not YAML or JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
  throw new ConfigError(`${source}: ${field || 'the file'}: ${issue.message}`);
}

/** The text of the file the setting `variable` names, or a ConfigError saying why not. */
export function readSettingsFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}
