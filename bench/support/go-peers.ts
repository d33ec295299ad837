// Go programs the router benchmark compares against (Traefik, kamal-proxy), built from their
// tagged sources with the Go toolchain on demand and cached by name and version. Only this
// benchmark builds them: the product never needs Go. The module proxy is whatever GOPROXY says.
import { execFile } from 'node:child_process';
import { access, mkdir, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GoProgram {
  /** The benchmark's name for it, also the cached binary's name. */
  name: string;
  module: string;
  version: string;
  /** The main package inside the module. */
  mainPackage: string;
}

export const TRAEFIK: GoProgram = { name: 'traefik', module: 'github.com/traefik/traefik/v3', version: 'v3.6.12', mainPackage: './cmd/traefik' };
export const KAMAL_PROXY: GoProgram = { name: 'kamal-proxy', module: 'github.com/basecamp/kamal-proxy', version: 'v0.9.2', mainPackage: './cmd/kamal-proxy' };

export function defaultCacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'slipway-bench');
}

/** Where a built program is kept: one directory per name and version. */
export function cachedBinary(cacheRoot: string, program: GoProgram): string {
  return join(cacheRoot, `${program.name}-${program.version}`, program.name);
}

export type GoBuild = { binary: string } | { skipped: string };

/**
 * The program's binary, built first when it is not cached. Answers why it was left out when
 * there is no Go toolchain or the build fails, so the benchmark can go on without it.
 */
export async function ensureGoProgram(
  program: GoProgram,
  { cacheRoot = defaultCacheRoot(), go = 'go', log = console.log }: { cacheRoot?: string; go?: string; log?: (line: string) => void } = {},
): Promise<GoBuild> {
  const binary = cachedBinary(cacheRoot, program);
  if (await exists(binary)) return { binary };
  const version = await run(go, ['version']).catch((err: NodeJS.ErrnoException) => err);
  if (version instanceof Error) {
    return { skipped: version.code === 'ENOENT' ? `no Go toolchain (\`${go}\` is not on PATH); install Go to measure it` : `\`${go} version\` failed: ${version.message}` };
  }
  log(`building ${program.name} ${program.version} with ${version.stdout.trim()} (cached in ${binary})…`);
  // Module mode outside any workspace; the module's own go.mod (and its replace directives) rules.
  const env = { ...process.env, GOFLAGS: '-mod=readonly', GOWORK: 'off' };
  try {
    const download = await run(go, ['mod', 'download', '-json', `${program.module}@${program.version}`], { env, maxBuffer: 1 << 20, timeout: 600_000 });
    const { Dir } = JSON.parse(download.stdout) as { Dir?: string };
    if (!Dir) throw new Error(`go mod download gave no directory for ${program.module}@${program.version}`);
    await mkdir(join(binary, '..'), { recursive: true });
    const partial = `${binary}.partial`;
    // The module cache is read-only, which building in it does not mind; -trimpath keeps the build
    // cache's keys independent of that directory.
    await run(go, ['build', '-trimpath', '-o', partial, program.mainPackage], { cwd: Dir, env, maxBuffer: 16 << 20, timeout: 1_800_000 });
    await rename(partial, binary);
    return { binary };
  } catch (err) {
    const error = err as Error & { stderr?: string };
    return { skipped: `building ${program.module}@${program.version} failed: ${(error.stderr || error.message).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
