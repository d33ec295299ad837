// What a buildpack installation names (pure): a built-in buildpack (`heroku/nodejs` or
// `slipway/nodejs`), a git repository over HTTP(S) (`https://host/repo.git#ref`), a tarball
// (`https://host/bp.tgz`), or a name the operator registered (name -> URL).
import type { Buildpack } from '../buildpack.js';

export type BuildpackReference =
  | { kind: 'builtin'; name: string; buildpack: Buildpack }
  | { kind: 'git'; name: string; url: string; ref: string | null }
  | { kind: 'tarball'; name: string; url: string };

/** A buildpack fetched from somewhere (git or tarball): a classic one. */
export type RemoteBuildpack = Extract<BuildpackReference, { kind: 'git' | 'tarball' }>;

/** name -> URL, from the operator's SLIPWAY_BUILDPACK_REGISTRY_FILE */
export type BuildpackRegistry = Readonly<Record<string, string>>;

export const MAX_BUILDPACKS = 8;
const MAX_REFERENCE_LENGTH = 2048;
const TARBALL = /\.(tgz|tar\.gz)$/i;
/** a registered or built-in name: `namespace/name`, Heroku's registry shape */
const NAME = /^[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*$/i;
/** refs git accepts on the command line without being mistaken for an option */
const GIT_REF = /^[A-Za-z0-9._/-]+$/;

/**
 * Built-in buildpacks by the names users type: their own id (`slipway/nodejs`) and Heroku's
 * (`heroku/nodejs`), so an app.json or a habit from Heroku works unchanged.
 */
export function builtinNames(buildpacks: readonly Buildpack[]): Map<string, Buildpack> {
  const names = new Map<string, Buildpack>();
  for (const buildpack of buildpacks) {
    names.set(buildpack.id, buildpack);
    const [, language] = buildpack.id.split('/');
    if (language) names.set(`heroku/${language}`, buildpack);
  }
  return names;
}

function fromUrl(name: string, text: string): BuildpackReference | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(name)} is not a URL, a built-in buildpack or a registered name`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${name}: only https:// and http:// buildpack URLs are supported`;
  if (url.username || url.password) return `${name}: credentials in buildpack URLs are not supported`;
  const fragment = decodeURIComponent(url.hash.slice(1));
  url.hash = '';
  if (TARBALL.test(url.pathname)) {
    if (fragment) return `${name}: a tarball URL takes no #ref`;
    return { kind: 'tarball', name, url: url.toString() };
  }
  if (fragment && (!GIT_REF.test(fragment) || fragment.startsWith('-') || fragment.includes('..'))) {
    return `${name}: ${JSON.stringify(fragment)} is not a git branch, tag or commit`;
  }
  return { kind: 'git', name, url: url.toString(), ref: fragment || null };
}

/** The buildpack `input` names, or why it names none (for a 422 or a BuildError). */
export function parseBuildpackReference(
  input: string,
  builtins: ReadonlyMap<string, Buildpack>,
  registry: BuildpackRegistry,
): BuildpackReference | string {
  const text = input.trim();
  if (text.length === 0) return 'a buildpack must not be empty';
  if (text.length > MAX_REFERENCE_LENGTH) return `a buildpack reference is at most ${MAX_REFERENCE_LENGTH} characters`;
  const builtin = builtins.get(text);
  if (builtin) return { kind: 'builtin', name: text, buildpack: builtin };
  if (Object.hasOwn(registry, text)) {
    const resolved = fromUrl(text, registry[text]!);
    return typeof resolved === 'string' ? `${text}: the operator's registry entry is not usable (${resolved})` : resolved;
  }
  if (NAME.test(text) && !text.includes(':')) {
    const known = [...builtins.keys(), ...Object.keys(registry)].sort();
    return `${text} is not a known buildpack: use a git or tarball URL, or one of ${known.join(', ')}`;
  }
  return fromUrl(text, text);
}

/** The problems of a whole list (empty when it may be installed). */
export function buildpackListProblems(references: readonly (BuildpackReference | string)[]): string[] {
  const problems = references.filter((r): r is string => typeof r === 'string');
  if (problems.length > 0) return problems;
  if (references.length > MAX_BUILDPACKS) return [`at most ${MAX_BUILDPACKS} buildpacks may be installed`];
  const resolved = references as BuildpackReference[];
  const names = resolved.map((r) => r.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) return [`${duplicate} is listed twice`];
  const builtins = resolved.filter((r) => r.kind === 'builtin');
  if (builtins.length > 0 && resolved.length > 1) {
    return [`${builtins[0]!.name} is built in and builds the app on its own: it cannot be combined with other buildpacks`];
  }
  return [];
}
