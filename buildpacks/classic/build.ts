// Third-party buildpacks through Heroku's classic API: each fetched on this host, copied
// into the build, detected (`bin/detect /app`), compiled (`bin/compile /app CACHE_DIR
// ENV_DIR`, after sourcing the `export` files of the ones before it) and asked for its
// defaults (`bin/release /app`), all in one build container as limited as the built-ins'.
import { cp, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { APP_DIR, CA_PATH, SYSTEM_PATH } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile } from '../build-steps.js';
import type { BuildMount } from '../container-spec.js';
import { withBuildContainer, type BuildContainer } from '../container.js';
import { BuildError } from '../errors.js';
import { detail, formatSeconds, heading, LineTail, warning } from '../log.js';
import { APP_USER } from '../oci/tar-layer.js';
import { chownTree } from '../source.js';
import { buildpackCacheDir, buildpackDir, compileArgv, detectArgv, releaseArgv } from './commands.js';
import { buildpackCacheKey, fetchBuildpack, type BuildpackFetchSettings, type FetchedBuildpack } from './fetch.js';
import type { RemoteBuildpack } from './reference.js';
import { mergeProcessTypes, parseReleaseYaml } from './release.js';

/** Runs argv with stdout only (bin/detect's name, bin/release's YAML); a fixed script. */
const STDOUT_ONLY = 'exec "$@" 2>/dev/null';
const MAX_RELEASE_BYTES = 64 * 1024;

/** The build environment of classic buildpacks: Heroku's names, and the CA bundle for every client. */
export function classicBuildEnv(stackName: string): string[] {
  return [
    `PATH=${SYSTEM_PATH}`,
    `HOME=${APP_DIR}`,
    `STACK=${stackName}`,
    'LANG=C.UTF-8',
    `SSL_CERT_FILE=${CA_PATH}`,
    `CURL_CA_BUNDLE=${CA_PATH}`,
    `GIT_SSL_CAINFO=${CA_PATH}`,
    `REQUESTS_CA_BUNDLE=${CA_PATH}`,
    `PIP_CERT=${CA_PATH}`,
    `NODE_EXTRA_CA_CERTS=${CA_PATH}`,
  ];
}

/** The app image's environment (Heroku's dyno defaults; buildpacks add theirs in .profile.d). */
export function classicRunEnv(configVarDefaults: Record<string, string>): string[] {
  return [`PATH=${SYSTEM_PATH}`, `HOME=${APP_DIR}`, 'LANG=C.UTF-8', ...Object.entries(configVarDefaults).map(([k, v]) => `${k}=${v}`)];
}

async function capture(ctx: BuildContext, container: BuildContainer, argv: string[], maxBytes: number): Promise<{ exitCode: number | null; lines: string[] }> {
  const lines: string[] = [];
  let bytes = 0;
  const { exitCode } = await container.run(['bash', '-c', STDOUT_ONLY, 'step', ...argv], (line) => {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes <= maxBytes) lines.push(line);
  }, ctx.config.log.maxLineBytes);
  if (container.stopped) throw new BuildError(container.stopped);
  return { exitCode, lines };
}

/**
 * A sink for a buildpack's own output: its `-----> ` and indented lines pass as they are
 * (buildpacks write the log's shape themselves), others are indented; after `maxBytes` of
 * it, the rest is dropped (the builder's own log limit counts indented lines only).
 */
function buildpackOutput(ctx: BuildContext, maxBytes: number, tail: LineTail): (line: string) => void | Promise<void> {
  let used = 0;
  let cut = false;
  return (line) => {
    tail.push(line);
    if (cut) return;
    used += Buffer.byteLength(line) + 1;
    if (used > maxBytes) {
      cut = true;
      return ctx.log(warning('the buildpack printed too much: the rest of its output is not shown'));
    }
    return ctx.log(line.startsWith('-----> ') || line.startsWith('       ') || line.startsWith(' !     ') ? line : detail(line));
  };
}

async function fetchAll(ctx: BuildContext, references: readonly RemoteBuildpack[], settings: BuildpackFetchSettings): Promise<FetchedBuildpack[]> {
  ctx.log(heading(references.length === 1 ? 'Fetching the buildpack' : `Fetching ${references.length} buildpacks`));
  const fetched: FetchedBuildpack[] = [];
  for (const reference of references) {
    const started = Date.now();
    const one = await fetchBuildpack(reference, settings, ctx.signal);
    const version = reference.kind === 'git' ? `commit ${one.version.slice(0, 12)}` : `sha256 ${one.version.slice(0, 12)}`;
    ctx.log(detail(`${reference.name} (${version}, ${one.cached ? 'cached' : 'fetched'} in ${formatSeconds(Date.now() - started)})`));
    fetched.push(one);
  }
  return fetched;
}

export async function buildClassic(
  ctx: BuildContext,
  references: readonly RemoteBuildpack[],
  workspace: string,
  settings: BuildpackFetchSettings,
): Promise<BuildpackOutput & { detected: string[] }> {
  const fetched = await ctx.timer.time('fetch', () => fetchAll(ctx, references, settings));

  // Each build gets its own writable copy: compile may write `export` into its buildpack directory.
  const mounts: BuildMount[] = [];
  for (const [index, one] of fetched.entries()) {
    const copy = join(workspace, 'buildpacks', String(index));
    await cp(one.dir, copy, { recursive: true, verbatimSymlinks: true });
    await chownTree(copy, APP_USER);
    const cache = await appUserDirectory(join(ctx.appCacheDir, 'buildpacks', buildpackCacheKey(references[index]!)));
    mounts.push({ source: copy, target: buildpackDir(index), readOnly: false });
    mounts.push({ source: cache, target: buildpackCacheDir(index), readOnly: false });
  }
  const hasRelease = await Promise.all(
    references.map((_, index) => lstat(join(workspace, 'buildpacks', String(index), 'bin/release')).then((s) => s.isFile(), () => false)),
  );

  const spec = await buildContainerSpec(ctx, { env: classicBuildEnv(ctx.stack.name), mounts });
  const detected: string[] = [];
  const defaults: Record<string, string>[] = [];
  const configVarDefaults: Record<string, string> = {};
  await ctx.timer.time('compile', () =>
    withBuildContainer(ctx.docker, spec, ctx.signal, async (container) => {
      // An explicit list: every buildpack must accept the app (Heroku's rule), before any compiles.
      for (const [index, reference] of references.entries()) {
        const { exitCode, lines } = await capture(ctx, container, detectArgv(index), 8 * 1024);
        if (exitCode !== 0) {
          throw new BuildError(`App not compatible with buildpack: ${reference.name} (its bin/detect exited with code ${exitCode}).`, {
            outputTail: lines.slice(-10),
          });
        }
        detected.push(lines.find((line) => line.trim() !== '')?.trim() || reference.name);
      }
      for (const [index, reference] of references.entries()) {
        ctx.log(heading(`${detected[index]} app detected`));
        const tail = new LineTail(20);
        const { exitCode } = await container.run(compileArgv(index), buildpackOutput(ctx, ctx.config.log.maxBytes, tail), ctx.config.log.maxLineBytes);
        if (container.stopped) throw new BuildError(container.stopped, { outputTail: tail.get(), tailLogged: true });
        if (exitCode === 137 && (await container.reachedMemoryLimit())) {
          throw new BuildError(`The buildpack ${reference.name} ran out of memory (the build's limit is ${ctx.config.limits.memoryMb} MB).`, { outputTail: tail.get(), tailLogged: true });
        }
        if (exitCode !== 0) {
          throw new BuildError(`Failed to compile the app with the buildpack ${reference.name} (bin/compile exited with code ${exitCode}).`, { outputTail: tail.get(), tailLogged: true });
        }
        if (!hasRelease[index]) continue;
        const release = await capture(ctx, container, releaseArgv(index), MAX_RELEASE_BYTES);
        if (release.exitCode !== 0) throw new BuildError(`The buildpack ${reference.name}'s bin/release exited with code ${release.exitCode}.`);
        const info = parseReleaseYaml(release.lines.join('\n'));
        if (typeof info === 'string') throw new BuildError(`The buildpack ${reference.name} is broken: ${info}.`);
        defaults.push(info.defaultProcessTypes);
        Object.assign(configVarDefaults, info.configVars);
      }
    }),
  );

  // The Procfile may have been written by a buildpack: read what /app holds now.
  const rootFiles = new Set(await readdir(ctx.appDir));
  const procfile = await readProcfile({ appDir: ctx.appDir, rootFiles });
  const processTypes = mergeProcessTypes(defaults, procfile);
  return {
    detected,
    processTypes,
    contributed: [],
    env: classicRunEnv(configVarDefaults),
    versions: Object.fromEntries(references.map((reference, index) => [reference.name, fetched[index]!.version])),
  };
}
