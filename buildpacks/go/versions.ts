// Which Go toolchain builds the app (pure): go.mod's `toolchain` line, else its `go` line,
// matched against the `golang.org/toolchain` versions the module proxy lists. `go 1.22`
// means the newest 1.22.x release; `go 1.22.5`, `go 1.21rc2` and any toolchain line mean
// exactly that version.
import { BuildError } from '../errors.js';
import type { GoMod } from './gomod.js';

/** The platform the toolchain module is fetched for (the stack is linux/amd64). */
export const TOOLCHAIN_PLATFORM = 'linux-amd64';
export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** `v0.0.1-go1.22.5.linux-amd64`: the toolchain module's version for a Go version. */
export const toolchainModuleVersion = (goVersion: string): string => `v0.0.1-go${goVersion}.${TOOLCHAIN_PLATFORM}`;

const VERSION = /^([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:(beta|rc)([0-9]+))?$/;

export const isGoVersion = (text: string): boolean => VERSION.test(text);

/** Sort key: releases after their betas and rcs; `1.20` (a release before 1.21) is 1.20.0. */
function key(version: string): number[] {
  const m = VERSION.exec(version);
  if (!m) throw new Error(`not a Go version: ${version}`);
  const pre = m[4] === 'beta' ? 0 : m[4] === 'rc' ? 1 : 2;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), pre, Number(m[5] ?? 0)];
}

export function compareGoVersions(a: string, b: string): number {
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return 0;
}

const isRelease = (version: string): boolean => !/beta|rc/.test(version);

/** The Go versions (oldest first) whose linux/amd64 toolchain is in the proxy's `@v/list`. */
export function toolchainVersionsFromList(list: string): string[] {
  const suffix = `.${TOOLCHAIN_PLATFORM}`;
  const versions: string[] = [];
  for (const line of list.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('v0.0.1-go') || !text.endsWith(suffix)) continue;
    const version = text.slice('v0.0.1-go'.length, -suffix.length);
    if (isGoVersion(version)) versions.push(version);
  }
  return [...new Set(versions)].sort(compareGoVersions);
}

export interface GoVersionRequest {
  /** as written: `1.22`, `1.22.5`, or null for none */
  version: string | null;
  /** where it came from, for the log */
  source: 'toolchain' | 'go' | 'none';
}

/** The version go.mod asks for; a malformed one fails the build, naming the line. */
export function requestedGoVersion(goMod: GoMod): GoVersionRequest {
  const request: GoVersionRequest = goMod.toolchain
    ? { version: goMod.toolchain, source: 'toolchain' }
    : goMod.go
      ? { version: goMod.go, source: 'go' }
      : { version: null, source: 'none' };
  if (request.version !== null && !isGoVersion(request.version)) {
    const line = request.source === 'toolchain' ? `toolchain go${request.version}` : `go ${request.version}`;
    throw new BuildError(`go.mod's \`${line}\` line does not name a Go version.`, {
      outputTail: ['Write it as Go does: `go 1.22`, `go 1.22.5` or `toolchain go1.22.5`.'],
    });
  }
  return request;
}

/** True when `version` names one toolchain exactly (no proxy list needed when it is cached). */
export const isExactGoVersion = (version: string): boolean => {
  const m = VERSION.exec(version);
  return Boolean(m && (m[3] !== undefined || m[4] !== undefined));
};

/** Up to `count` available versions on each side of `version`, nearest first in each direction. */
export function nearestGoVersions(version: string, available: readonly string[], count = 3): string[] {
  const sorted = [...available].sort(compareGoVersions);
  const at = sorted.findIndex((candidate) => compareGoVersions(candidate, version) > 0);
  const split = at === -1 ? sorted.length : at;
  return [...sorted.slice(Math.max(0, split - count), split).reverse(), ...sorted.slice(split, split + count)];
}

export interface ResolvedGoVersion {
  version: string;
  explanation: string;
}

export function resolveGoVersion(request: GoVersionRequest, available: readonly string[]): ResolvedGoVersion {
  const releases = available.filter(isRelease).sort(compareGoVersions);
  if (request.version === null) {
    const newest = releases.at(-1);
    if (!newest) throw new BuildError('The Go module proxy lists no Go toolchain for linux/amd64.');
    return { version: newest, explanation: `go.mod has no go line: using the newest Go release, ${newest}` };
  }
  const requested = request.version;
  const line = request.source === 'toolchain' ? `toolchain go${requested}` : `go ${requested}`;
  if (isExactGoVersion(requested)) {
    if (available.includes(requested)) return { version: requested, explanation: `go.mod's \`${line}\` line: Go ${requested}` };
  } else {
    // `go 1.22` (or `go 1.20`, whose first release was called 1.20): the newest release of that line
    const newest = releases.filter((v) => v === requested || v.startsWith(`${requested}.`)).at(-1);
    if (newest) return { version: newest, explanation: `go.mod's \`${line}\` line: the newest Go ${requested} release, ${newest}` };
  }
  const nearest = nearestGoVersions(requested, releases.length > 0 ? releases : available);
  throw new BuildError(`Go ${requested} (go.mod's \`${line}\` line) is not available from the Go module proxy.`, {
    outputTail: [
      nearest.length > 0 ? `Nearest available: ${nearest.join(', ')}.` : 'The proxy lists no Go toolchain for linux/amd64.',
      'Change the line in go.mod to one of these and push again.',
    ],
  });
}
