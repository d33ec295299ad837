// Which package manager installs an app (pure): the `packageManager` field (corepack's
// semantics: `pnpm@9.12.0`, `yarn@4.5.0+sha512.<hex>`) wins; else the lockfile; two
// lockfiles without the field are an error, as on Heroku.
import { BuildError } from '../errors.js';

export type ManagerName = 'npm' | 'yarn' | 'pnpm';

export const LOCKFILES: ReadonlyArray<{ file: string; manager: ManagerName }> = [
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
  { file: 'package-lock.json', manager: 'npm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
];

export interface PinnedHash {
  /** a node:crypto algorithm name: sha1, sha224, sha256, sha512 */
  algorithm: string;
  /** lower-case hex */
  digest: string;
}

export interface PackageManagerField {
  name: ManagerName;
  /** an exact version, as corepack requires */
  version: string;
  hash: PinnedHash | null;
  /** the field as written, for messages */
  raw: string;
}

const FIELD = /^(npm|yarn|pnpm)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+(sha1|sha224|sha256|sha512)\.([0-9a-fA-F]+))?$/;

/** The `packageManager` field, or null when absent; anything corepack would refuse fails the build. */
export function parsePackageManagerField(value: unknown): PackageManagerField | null {
  if (value === undefined || value === null) return null;
  const raw = typeof value === 'string' ? value.trim() : JSON.stringify(value);
  const match = typeof value === 'string' ? FIELD.exec(raw) : null;
  if (!match) {
    const name = /^([^@]+)@/.exec(raw)?.[1];
    const reason =
      name && !['npm', 'yarn', 'pnpm'].includes(name)
        ? `Slipway installs with npm, yarn or pnpm, not ${name}.`
        : 'It must name a package manager and an exact version, like "pnpm@9.12.0" or "yarn@4.5.0" (corepack\'s format; ranges and tags are not allowed), optionally followed by "+sha512.<hex>".';
    throw new BuildError(`Invalid "packageManager" in package.json: ${JSON.stringify(raw)}.`, { outputTail: [reason] });
  }
  return {
    name: match[1] as ManagerName,
    version: match[2]!,
    hash: match[3] ? { algorithm: match[3], digest: match[4]!.toLowerCase() } : null,
    raw,
  };
}

/** What `.yarnrc.yml` says that matters here (top-level scalar keys). */
export interface YarnRc {
  yarnPath?: string;
  nodeLinker?: string;
  /** plugin paths or specs listed under `plugins:` */
  plugins: string[];
}

/** Reads the top-level keys of a `.yarnrc.yml` that decide how Yarn Berry installs (a YAML subset). */
export function parseYarnRc(text: string): YarnRc {
  const result: YarnRc = { plugins: [] };
  let inPlugins = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const top = /^([A-Za-z][\w-]*):\s*(.*?)\s*$/.exec(line);
    if (top) {
      inPlugins = top[1] === 'plugins';
      const value = top[2]!.replace(/\s+#.*$/, '').replace(/^(["'])(.*)\1$/, '$2');
      if (top[1] === 'yarnPath' && value) result.yarnPath = value;
      if (top[1] === 'nodeLinker' && value) result.nodeLinker = value;
      continue;
    }
    // `plugins:` holds a list of paths or `- path: .yarn/plugins/...` / `spec: ...` maps
    const item = inPlugins ? /^\s+(?:-\s+)?(?:path|spec)?:?\s*(\S+)\s*$/.exec(line) : null;
    if (item?.[1] && item[1] !== '-') result.plugins.push(item[1].replace(/^(["'])(.*)\1$/, '$2'));
  }
  return result;
}

/** A yarn.lock written by Yarn 2+ has a `__metadata` entry; Yarn 1's does not. */
export function yarnLockKind(text: string): 'classic' | 'berry' {
  return /^__metadata:/m.test(text) ? 'berry' : 'classic';
}

export interface ManagerChoice {
  name: ManagerName;
  /** the lockfile it installs from, or null */
  lockfile: string | null;
  /** from `packageManager`, null otherwise */
  pinned: PackageManagerField | null;
  /** engines.<name> from package.json, when not pinned */
  range: string | null;
  /** one line for the build log: why this manager */
  explanation: string;
  warnings: string[];
}

export interface ManagerChoiceInput {
  packageManager: unknown;
  engines: Record<string, string | undefined> | undefined;
  rootFiles: ReadonlySet<string>;
}

const lockfileOf = (name: ManagerName, rootFiles: ReadonlySet<string>): string | null =>
  LOCKFILES.find((entry) => entry.manager === name && rootFiles.has(entry.file))?.file ?? null;

export function chooseManager({ packageManager, engines, rootFiles }: ManagerChoiceInput): ManagerChoice {
  const pinned = parsePackageManagerField(packageManager);
  const present = LOCKFILES.filter((entry) => rootFiles.has(entry.file));
  const managers = [...new Set(present.map((entry) => entry.manager))];
  const warnings: string[] = [];
  if (pinned) {
    const lockfile = lockfileOf(pinned.name, rootFiles);
    for (const other of present.filter((entry) => entry.manager !== pinned.name)) {
      warnings.push(`${other.file} found, but "packageManager" is ${pinned.raw}: Slipway installs with ${pinned.name} and ignores ${other.file}.`);
    }
    if (!lockfile) warnings.push(`No lockfile for ${pinned.name}: commit the one it writes for reproducible builds.`);
    return { name: pinned.name, lockfile, pinned, range: null, explanation: `"packageManager" in package.json: ${pinned.raw}`, warnings };
  }
  if (managers.length > 1) {
    const files = present.map((entry) => entry.file);
    throw new BuildError(`Multiple lockfiles found: ${files.join(', ')}.`, {
      outputTail: [
        `More than one package manager (${managers.join(', ')}) has written a lockfile for this app, but only one can install its dependencies.`,
        'Delete the lockfiles of the package managers you do not use (and commit), or set "packageManager" in package.json (e.g. "pnpm@9.12.0") to choose one.',
      ],
    });
  }
  const name: ManagerName = managers[0] ?? 'npm';
  const lockfile = lockfileOf(name, rootFiles);
  const range = name === 'npm' ? null : (engines?.[name]?.trim() || null);
  return {
    name,
    lockfile,
    pinned: null,
    range,
    explanation: lockfile ? `${lockfile} found: installing with ${name}` : 'No lockfile: installing with npm',
    warnings,
  };
}
