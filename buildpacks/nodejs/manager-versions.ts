// Which Yarn or pnpm version a build gets, and which npm package carries it (pure): the
// version pinned by `packageManager`, else engines.yarn / engines.pnpm, else the newest
// release for the chosen Node.js (Yarn 1 for a Yarn 1 lockfile, Yarn 4+ for a Berry one).
import semver from 'semver';
import { BuildError } from '../errors.js';
import { enginesOf, type PackageMetadata, type VersionInfo } from './metadata-types.js';
import type { ManagerChoice, PackageManagerField, PinnedHash } from './package-manager.js';

/** The npm packages each manager comes from: Yarn 1 is `yarn`, Yarn 2+ is `@yarnpkg/cli-dist`. */
export const MANAGER_PACKAGES = {
  yarnClassic: 'yarn',
  yarnBerry: '@yarnpkg/cli-dist',
  pnpm: 'pnpm',
  /** pnpm 12+ is a native executable, published per platform */
  pnpmNative: '@pnpm/exe.linux-x64',
} as const;

export type YarnFlavor = 'classic' | 'berry';
export const yarnFlavor = (version: string): YarnFlavor => (semver.major(version) < 2 ? 'classic' : 'berry');

export interface ManagerVersion {
  name: 'yarn' | 'pnpm';
  version: string;
  /** the npm package the version comes from (corepack's choice too) */
  packageName: string;
  explanation: string;
}

const releases = (metadata: PackageMetadata, keep: (version: string) => boolean = () => true): string[] =>
  Object.values(metadata.versions)
    .filter((info) => semver.valid(info.version) && !semver.prerelease(info.version) && keep(info.version))
    .map((info) => info.version);

const acceptsNode = (info: VersionInfo | undefined, nodeVersion: string): boolean => {
  const range = info ? enginesOf(info).node : undefined;
  return range === undefined || (semver.validRange(range) !== null && semver.satisfies(nodeVersion, range));
};

const label = (name: 'yarn' | 'pnpm'): string => (name === 'yarn' ? 'Yarn' : 'pnpm');

/**
 * Resolves the version of `choice.name` (yarn or pnpm) against the registry's metadata:
 * `yarn` + `@yarnpkg/cli-dist` for Yarn, `pnpm` for pnpm.
 */
export function resolveManagerVersion(
  choice: Pick<ManagerChoice, 'name' | 'pinned' | 'range'> & { name: 'yarn' | 'pnpm' },
  packages: { yarnClassic?: PackageMetadata; yarnBerry?: PackageMetadata; pnpm?: PackageMetadata },
  lockKind: YarnFlavor | null,
  nodeVersion: string,
): ManagerVersion {
  const candidates: Array<{ version: string; packageName: string; info: VersionInfo }> = [];
  const add = (metadata: PackageMetadata | undefined, keep: (v: string) => boolean) => {
    for (const version of metadata ? releases(metadata, keep) : []) {
      candidates.push({ version, packageName: metadata!.name, info: metadata!.versions[version]! });
    }
  };
  if (choice.name === 'yarn') {
    add(packages.yarnClassic, (v) => semver.major(v) < 2);
    add(packages.yarnBerry, (v) => semver.major(v) >= 2);
  } else {
    add(packages.pnpm, () => true);
  }
  const find = (version: string | null) => candidates.find((c) => c.version === version);
  const newest = (filter: (c: (typeof candidates)[number]) => boolean) =>
    find(semver.maxSatisfying(candidates.filter(filter).map((c) => c.version), '*'));
  const name = label(choice.name);

  if (choice.pinned) {
    const hit = find(choice.pinned.version);
    if (!hit) {
      const latest = newest(() => true)?.version ?? 'none';
      throw new BuildError(`"packageManager" in package.json asks for ${name} ${choice.pinned.version}, which the npm registry does not have.`, {
        outputTail: [`Use a released version (the newest is ${latest}): e.g. "${choice.name}@${latest}".`],
      });
    }
    return { name: choice.name, version: hit.version, packageName: hit.packageName, explanation: `${name} ${hit.version} (from "packageManager")` };
  }
  if (choice.range) {
    if (semver.validRange(choice.range) === null) {
      throw new BuildError(`Invalid engines.${choice.name} in package.json: "${choice.range}" is not a semver range.`);
    }
    const hit = find(semver.maxSatisfying(candidates.map((c) => c.version), choice.range));
    if (!hit) throw new BuildError(`No ${name} version satisfies engines.${choice.name} "${choice.range}" in package.json.`);
    return { name: choice.name, version: hit.version, packageName: hit.packageName, explanation: `engines.${choice.name} "${choice.range}" resolved to ${hit.version}` };
  }
  const wanted =
    choice.name === 'yarn' && lockKind !== 'berry'
      ? (c: (typeof candidates)[number]) => yarnFlavor(c.version) === 'classic'
      : (c: (typeof candidates)[number]) => choice.name === 'pnpm' || yarnFlavor(c.version) === 'berry';
  const hit = newest((c) => wanted(c) && !c.info.deprecated && acceptsNode(c.info, nodeVersion));
  if (!hit) throw new BuildError(`No ${name} release supports Node.js ${nodeVersion}; set "packageManager" in package.json.`);
  const why = choice.name === 'yarn' ? (lockKind === 'berry' ? 'newest Yarn Berry, for a Yarn 2+ yarn.lock' : 'newest Yarn 1') : 'newest pnpm';
  return { name: choice.name, version: hit.version, packageName: hit.packageName, explanation: `No version set: using the ${why} (${hit.version})` };
}

/** A Yarn 1 lockfile cannot be installed immutably by Yarn 2+, nor a Berry one by Yarn 1. */
export function checkYarnLockMatches(lockKind: YarnFlavor | null, version: string): void {
  if (!lockKind) return;
  const flavor = yarnFlavor(version);
  if (flavor === lockKind) return;
  throw new BuildError(
    lockKind === 'berry'
      ? `yarn.lock was written by Yarn 2 or later, but the build uses Yarn ${version}.`
      : `yarn.lock was written by Yarn 1, but the build uses Yarn ${version}.`,
    {
      outputTail: [
        lockKind === 'berry'
          ? 'Set "packageManager" in package.json to the Yarn that wrote it (e.g. "yarn@4.5.0"), or fix engines.yarn.'
          : `Run \`yarn install\` with Yarn ${version} and commit the converted yarn.lock, or set "packageManager" to "yarn@1.22.22".`,
      ],
    },
  );
}

export interface ManagerDistribution {
  /** the npm package whose tarball is downloaded */
  packageName: string;
  version: string;
  /** the file in the package to run: a Node.js script, or the executable when `native` */
  entry: string;
  native: boolean;
}

/** Where the runnable manager is in the registry: pnpm 12+ ships its executable in a separate package. */
export function managerDistribution(resolved: ManagerVersion, info: VersionInfo): ManagerDistribution {
  if (resolved.name === 'yarn') return { packageName: resolved.packageName, version: resolved.version, entry: 'bin/yarn.js', native: false };
  const bin = typeof info.bin === 'object' ? info.bin.pnpm : info.bin;
  const script = bin?.replace(/^\.\//, '');
  if (script && /\.(c|m)?js$/.test(script)) return { packageName: MANAGER_PACKAGES.pnpm, version: resolved.version, entry: script, native: false };
  return { packageName: MANAGER_PACKAGES.pnpmNative, version: resolved.version, entry: 'pnpm', native: true };
}

/**
 * Whether a `+<algorithm>.<hex>` pin matches: the registry's own hashes of corepack's package
 * (sha512 integrity, sha1 shasum), or `computed` hashes of what was downloaded (the tarball,
 * or Yarn's single bin/yarn.js, which corepack hashes when it fetches Yarn from its own site).
 */
export function pinnedHashMatches(pin: PinnedHash, corepackPackage: VersionInfo, computed: readonly PinnedHash[]): boolean {
  const known: PinnedHash[] = [...computed];
  for (const entry of (corepackPackage.dist.integrity ?? '').split(/\s+/).filter(Boolean)) {
    const [algorithm, base64] = [entry.slice(0, entry.indexOf('-')), entry.slice(entry.indexOf('-') + 1)];
    known.push({ algorithm, digest: Buffer.from(base64, 'base64').toString('hex') });
  }
  if (corepackPackage.dist.shasum) known.push({ algorithm: 'sha1', digest: corepackPackage.dist.shasum.toLowerCase() });
  return known.some((hash) => hash.algorithm === pin.algorithm && hash.digest === pin.digest);
}

export function hashMismatchError(field: PackageManagerField): BuildError {
  return new BuildError(`"packageManager" in package.json pins ${field.name} ${field.version} with a ${field.hash?.algorithm} hash that does not match the registry's package.`, {
    outputTail: ['The download was refused. Check the hash (e.g. `corepack use ' + `${field.name}@${field.version}\`` + ' writes it), or remove it to trust the registry\'s integrity alone.'],
  });
}
