// The operator's registry of buildpack names (SLIPWAY_BUILDPACK_REGISTRY_FILE): a JSON object
// mapping `namespace/name` to a git or tarball URL, read once at start. Each URL is checked
// here, so a typo stops the control plane instead of failing some app's build later.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.js';
import { parseBuildpackReference, type BuildpackRegistry } from './reference.js';

const NAME = /^[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*$/i;
const registryJson = z.record(z.string(), z.string().min(1));

/** Pure: the registry in `text`, or a ConfigError saying what is wrong. */
export function parseBuildpackRegistry(text: string, source: string): BuildpackRegistry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source}: not JSON (expected {"namespace/name": "https://..."})`);
  }
  const parsed = registryJson.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  for (const [name, url] of Object.entries(parsed.data)) {
    if (!NAME.test(name)) throw new ConfigError(`${source}: ${name}: names are namespace/name`);
    const reference = parseBuildpackReference(url, new Map(), {});
    if (typeof reference === 'string' || reference.kind === 'builtin') throw new ConfigError(`${source}: ${name}: ${typeof reference === 'string' ? reference : 'must be a URL'}`);
  }
  return parsed.data;
}

export async function loadBuildpackRegistry(file: string | null): Promise<BuildpackRegistry> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the buildpack registry ${file}: ${(err as Error).message}`);
  }
  return parseBuildpackRegistry(text, file);
}
