// Buildpacks fetched on the builder host, cached per URL (and per commit for git): git over
// HTTP(S) through the git binary (argv, `--depth 1`, only http/https transports, the
// operator's CA bundle), tarballs with undici through the same CA (revalidated with their
// ETag). Size- and time-limited; any failure is a BuildError naming the buildpack.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { interceptors, request, type Dispatcher } from 'undici';
import { outboundDispatcher } from '../downloads.js';
import { BuildError } from '../errors.js';
import { withFileLock } from '../lock.js';
import { APP_USER } from '../oci/tar-layer.js';
import { extractSource } from '../source.js';
import type { RemoteBuildpack } from './reference.js';

const run = promisify(execFile);

export interface BuildpackFetchSettings {
  /** `<cacheDir>/buildpacks` */
  cacheDir: string;
  caFile: string;
  timeoutSeconds: number;
  /** largest download and largest unpacked tree */
  maxBytes: number;
}

export interface FetchedBuildpack {
  /** the buildpack's tree on this host (shared: copy it before writing into it) */
  dir: string;
  /** the commit, or the tarball's ETag or digest */
  version: string;
  cached: boolean;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

export class FetchFailure extends Error {
  override name = 'FetchFailure';
}

/** The BuildError a user sees: which buildpack, and what went wrong, in one sentence. */
export function fetchError(reference: RemoteBuildpack, why: string, cause?: unknown): BuildError {
  return new BuildError(`Could not fetch the buildpack ${reference.name}: ${why}.`, {
    cause,
    outputTail: ['Check the URL with `slipway buildpacks`, or change it with `slipway buildpacks:set URL`.'],
  });
}

/** The git argv (pure): only http(s) transports, no prompts, no hooks, the CA bundle. */
export function gitArgv(caFile: string, args: readonly string[]): string[] {
  return [
    'git',
    '-c', 'protocol.allow=never',
    '-c', 'protocol.https.allow=always',
    '-c', 'protocol.http.allow=always',
    '-c', `http.sslCAInfo=${caFile}`,
    '-c', 'http.lowSpeedLimit=1024',
    '-c', 'http.lowSpeedTime=30',
    '-c', 'core.hooksPath=/dev/null',
    '-c', 'credential.helper=',
    '-c', 'advice.detachedHead=false',
    ...args,
  ];
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_ASKPASS: '/bin/false' };

async function git(settings: BuildpackFetchSettings, args: readonly string[], signal: AbortSignal | undefined): Promise<string> {
  const [file, ...rest] = gitArgv(settings.caFile, args);
  try {
    const { stdout } = await run(file!, rest, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...GIT_ENV },
      timeout: settings.timeoutSeconds * 1000,
      maxBuffer: 4 * 1024 * 1024,
      signal,
    });
    return stdout;
  } catch (err) {
    const failure = err as { killed?: boolean; stderr?: string; code?: unknown };
    if (failure.killed) throw new FetchFailure(`git did not finish within ${settings.timeoutSeconds} s`);
    const lines = String(failure.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    throw new FetchFailure(lines.find((l) => l.startsWith('fatal:'))?.replace(/^fatal:\s*/, '') ?? lines.at(-1) ?? `git exited with ${String(failure.code)}`);
  }
}

/** The commit `ref` (or HEAD) names in `git ls-remote` output (pure); tags peeled. */
export function commitFromLsRemote(output: string, ref: string | null): string | null {
  const lines = output.split('\n').map((line) => line.split('\t')).filter((parts) => parts.length === 2) as [string, string][];
  const wanted = ref === null ? ['HEAD'] : [`refs/tags/${ref}^{}`, `refs/heads/${ref}`, `refs/tags/${ref}`, ref];
  for (const name of wanted) {
    const hit = lines.find(([, refName]) => refName === name);
    if (hit) return hit[0];
  }
  return null;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function checkBuildpackTree(reference: RemoteBuildpack, dir: string, settings: BuildpackFetchSettings): Promise<void> {
  for (const script of ['bin/detect', 'bin/compile']) {
    const stats = await lstat(join(dir, script)).catch(() => null);
    if (!stats?.isFile()) throw fetchError(reference, `it is not a buildpack (it has no ${script})`);
  }
  if ((await treeBytes(dir)) > settings.maxBytes) {
    throw fetchError(reference, `it is larger than ${Math.round(settings.maxBytes / 1024 / 1024)} MB`);
  }
}

async function fetchGit(reference: Extract<RemoteBuildpack, { kind: 'git' }>, home: string, settings: BuildpackFetchSettings, signal?: AbortSignal): Promise<FetchedBuildpack> {
  let commit: string;
  try {
    if (reference.ref && FULL_SHA.test(reference.ref)) commit = reference.ref;
    else {
      const found = commitFromLsRemote(await git(settings, ['ls-remote', '--', reference.url, ...(reference.ref ? [reference.ref] : ['HEAD'])], signal), reference.ref);
      if (!found) throw new FetchFailure(reference.ref ? `it has no branch or tag ${reference.ref}` : 'it has no HEAD');
      commit = found;
    }
  } catch (err) {
    if (err instanceof FetchFailure) throw fetchError(reference, `${reference.url} did not answer as a git repository (${err.message})`, err);
    throw err;
  }
  const dir = join(home, commit);
  if (await lstat(join(dir, 'bin')).catch(() => null)) return { dir, version: commit, cached: true };

  const partial = join(home, `partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  try {
    await git(settings, ['init', '-q', partial], signal);
    await git(settings, ['-C', partial, 'fetch', '-q', '--depth', '1', '--no-tags', '--', reference.url, reference.ref ?? 'HEAD'], signal);
    await git(settings, ['-C', partial, 'checkout', '-q', 'FETCH_HEAD'], signal);
    const fetched = (await git(settings, ['-C', partial, 'rev-parse', 'FETCH_HEAD'], signal)).trim();
    await rm(join(partial, '.git'), { recursive: true, force: true });
    await checkBuildpackTree(reference, partial, settings);
    const target = join(home, fetched);
    await rm(target, { recursive: true, force: true });
    await rename(partial, target);
    await pruneVersions(home, fetched);
    return { dir: target, version: fetched, cached: false };
  } catch (err) {
    if (err instanceof FetchFailure) throw fetchError(reference, `git could not fetch ${reference.url} (${err.message})`, err);
    throw err;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/** Keeps only `current` (and the lock) in a buildpack's cache directory. */
async function pruneVersions(home: string, current: string): Promise<void> {
  for (const name of await readdir(home)) {
    if (name !== current && name !== 'lock' && name !== 'current.json') await rm(join(home, name), { recursive: true, force: true });
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = (err as { code?: string }).code ?? cause?.code;
  return code ? `${code}` : (err as Error).message;
}

/** Counts bytes through, failing past `max`. */
function limitBytes(max: number, onTooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > max ? onTooLarge() : null, chunk);
    },
  });
}

async function fetchTarball(reference: Extract<RemoteBuildpack, { kind: 'tarball' }>, home: string, settings: BuildpackFetchSettings, signal?: AbortSignal): Promise<FetchedBuildpack> {
  const index = join(home, 'current.json');
  const previous = await readFile(index, 'utf8').then((text) => JSON.parse(text) as { version: string; etag: string | null }, () => null);
  const previousDir = previous ? join(home, previous.version) : null;
  const havePrevious = previousDir ? Boolean(await lstat(join(previousDir, 'bin')).catch(() => null)) : false;

  const base = await outboundDispatcher(settings.caFile);
  const dispatcher: Dispatcher = base.compose(interceptors.redirect({ maxRedirections: 5 }));
  const download = join(home, `download-${process.pid}.tgz`);
  const partial = join(home, `partial-${process.pid}`);
  const timeout = AbortSignal.timeout(settings.timeoutSeconds * 1000);
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(reference.url, {
        dispatcher,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: havePrevious && previous?.etag ? { 'if-none-match': previous.etag } : {},
      });
    } catch (err) {
      if (timeout.aborted) throw fetchError(reference, `${reference.url} did not answer within ${settings.timeoutSeconds} s`, err);
      if (signal?.aborted) throw err;
      throw fetchError(reference, `${reference.url} did not answer (${describeNetworkError(err)})`, err);
    }
    if (response.statusCode === 304 && havePrevious) {
      await response.body.dump();
      return { dir: previousDir!, version: previous!.version, cached: true };
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw fetchError(reference, `${reference.url} answered HTTP ${response.statusCode}`);
    }
    const etagHeader = response.headers.etag;
    const etag = typeof etagHeader === 'string' ? etagHeader : null;
    const hash = createHash('sha256');
    try {
      await pipeline(
        response.body,
        limitBytes(settings.maxBytes, () => fetchError(reference, `it is larger than ${Math.round(settings.maxBytes / 1024 / 1024)} MB`)),
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            callback(null, chunk);
          },
        }),
        createWriteStream(download),
      );
    } catch (err) {
      if (err instanceof BuildError) throw err;
      if (timeout.aborted) throw fetchError(reference, `the download did not finish within ${settings.timeoutSeconds} s`, err);
      throw err;
    }
    const version = hash.digest('hex').slice(0, 32);
    const target = join(home, version);
    if (!(await lstat(join(target, 'bin')).catch(() => null))) {
      await rm(partial, { recursive: true, force: true });
      const what = `The buildpack ${reference.name}`;
      try {
        await extractSource(createReadStream(download).pipe(createGunzip()), partial, { owner: APP_USER, maxBytes: settings.maxBytes, what });
      } catch (err) {
        if (err instanceof BuildError) throw fetchError(reference, `${reference.url} is not a usable .tgz (${err.reason.replace(/\.$/, '')})`, err);
        throw err;
      }
      const root = await buildpackRoot(partial);
      await checkBuildpackTree(reference, root, settings);
      await rm(target, { recursive: true, force: true });
      await rename(root, target);
    }
    await writeFile(`${index}.partial`, JSON.stringify({ version, etag }));
    await rename(`${index}.partial`, index);
    await pruneVersions(home, version);
    return { dir: target, version, cached: false };
  } finally {
    await base.close();
    await rm(download, { force: true });
    await rm(partial, { recursive: true, force: true });
  }
}

/** Tarballs made from a repository (GitHub's) hold one top directory: the buildpack is inside it. */
async function buildpackRoot(dir: string): Promise<string> {
  if (await lstat(join(dir, 'bin')).catch(() => null)) return dir;
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.length === 1 && entries[0]!.isDirectory()) return join(dir, entries[0]!.name);
  return dir;
}

/** Pure: the cache directory of one buildpack URL (and ref). */
export function buildpackCacheKey(reference: RemoteBuildpack): string {
  const identity = reference.kind === 'git' ? `git ${reference.url}#${reference.ref ?? ''}` : `tarball ${reference.url}`;
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/** The buildpack's tree, fetched or from the cache; one fetch per URL at a time. */
export async function fetchBuildpack(reference: RemoteBuildpack, settings: BuildpackFetchSettings, signal?: AbortSignal): Promise<FetchedBuildpack> {
  const home = join(settings.cacheDir, buildpackCacheKey(reference));
  await mkdir(home, { recursive: true });
  return withFileLock(join(home, 'lock'), () =>
    reference.kind === 'git' ? fetchGit(reference, home, settings, signal) : fetchTarball(reference, home, settings, signal),
  );
}
