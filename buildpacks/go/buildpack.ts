// The Go buildpack: the toolchain chosen from go.mod (fetched once from the Go module proxy,
// verified, mounted read-only), modules downloaded into the app's module cache, then
// `go install` into /app/bin with the app's build cache. The image holds the binaries; the
// toolchain and caches stay on the builder.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import { withBuildContainer } from '../container.js';
import { DownloadError, outboundDispatcher } from '../downloads.js';
import { BuildError } from '../errors.js';
import { detail, heading, heldLog, warning } from '../log.js';
import { parseGoMod } from './gomod.js';
import {
  BIN_DIR,
  GOCACHE_DIR,
  GOMODCACHE_DIR,
  goBuildEnvironment,
  goProcessTypes,
  goRuntimeEnvironment,
  planGoBuild,
  TOOLCHAIN_DIR,
  type GoPlan,
} from './plan.js';
import { ensureStdCache, isEmptyDirectory, SEED_ARGV, STD_CACHE_DIR, stdCacheDir } from './std-cache.js';
import { cachedToolchain, ensureGoToolchain, listToolchainVersions, type GoToolchain } from './toolchain.js';
import { isExactGoVersion, requestedGoVersion, resolveGoVersion, type GoVersionRequest } from './versions.js';

async function resolveToolchain(ctx: BuildContext, request: GoVersionRequest): Promise<GoToolchain> {
  const { config, log } = ctx;
  // An exact version already unpacked needs no proxy at all.
  if (request.version && isExactGoVersion(request.version)) {
    const cached = await cachedToolchain(config.cacheDir, request.version);
    if (cached) {
      log(detail(`go.mod's \`${request.source === 'toolchain' ? `toolchain go${request.version}` : `go ${request.version}`}\` line: Go ${request.version}`));
      log(heading(`Installing Go ${cached.version}`));
      log(detail('Using the cached toolchain'));
      return cached;
    }
  }
  const dispatcher = await outboundDispatcher(config.caFile);
  try {
    const resolved = resolveGoVersion(request, await listToolchainVersions(config.goProxy, dispatcher));
    log(detail(resolved.explanation));
    log(heading(`Installing Go ${resolved.version}`));
    const toolchain = await ensureGoToolchain({ cacheDir: config.cacheDir, proxy: config.goProxy, version: resolved.version, dispatcher });
    log(detail(toolchain.cached ? 'Using the cached toolchain' : `Downloaded from ${config.goProxy} and verified (${toolchain.hash})`));
    return toolchain;
  } catch (err) {
    if (err instanceof DownloadError) throw new BuildError(`Could not install Go: ${err.message}.`, { cause: err });
    throw err;
  } finally {
    await dispatcher.close();
  }
}

/** vendor/modules.txt as a regular file (a symlink there is not the app's vendoring). */
async function isVendored(appDir: string): Promise<boolean> {
  const stats = await lstat(join(appDir, 'vendor', 'modules.txt')).catch(() => null);
  return Boolean(stats?.isFile());
}

/** The names of the programs `go install` left in bin/ (regular files only). */
async function builtBinaries(appDir: string): Promise<Set<string>> {
  const dir = join(appDir, 'bin');
  const stats = await lstat(dir).catch(() => null);
  if (!stats) return new Set();
  if (!stats.isDirectory()) throw new BuildError('bin must be a directory: `go install` puts the programs there.');
  const entries = await readdir(dir, { withFileTypes: true });
  return new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));
}

async function compile(ctx: BuildContext, toolchain: GoToolchain, plan: GoPlan): Promise<void> {
  const goCache = join(ctx.appCacheDir, 'go');
  const buildCache = await appUserDirectory(join(goCache, 'build'));
  // A new app's build cache starts with the compiled standard library. When that is still to be
  // compiled (the toolchain's first app), it is, in a container of its own, while this build's
  // container starts and downloads the modules; the download's lines follow the compile's.
  const stdCache = (await isEmptyDirectory(buildCache)) ? await appUserDirectory(stdCacheDir(toolchain)) : null;
  const stdReady = stdCache ? ctx.timer.time('stdlib', () => ensureStdCache(ctx, toolchain)) : null;
  // awaited before the build ends, whatever happens first: the seed's container is this build's too
  const stdSettled = stdReady?.catch(() => undefined);
  const downloadLog = stdReady ? heldLog() : null;
  try {
    const spec = await buildContainerSpec(ctx, {
      env: goBuildEnvironment({ proxy: ctx.config.goProxy, vendored: plan.vendored }),
      mounts: [
        { source: toolchain.dir, target: TOOLCHAIN_DIR, readOnly: true },
        { source: await appUserDirectory(join(goCache, 'mod')), target: GOMODCACHE_DIR, readOnly: false },
        { source: buildCache, target: GOCACHE_DIR, readOnly: false },
        ...(stdCache ? [{ source: stdCache, target: STD_CACHE_DIR, readOnly: true }] : []),
      ],
    });
    await withBuildContainer(ctx.docker, spec, ctx.signal, async (container) => {
      const downloadCtx = downloadLog ? { ...ctx, log: downloadLog.log } : ctx;
      try {
        if (plan.download) {
          const download = plan.download;
          await ctx.timer.time('dependencies', () =>
            runStep(downloadCtx, container, 'Downloading modules', download, 'Downloading modules failed: `go mod download` exited with an error'),
          );
        } else {
          downloadCtx.log(heading('Using vendored modules (vendor/modules.txt): nothing is downloaded'));
        }
      } finally {
        await stdSettled;
        await downloadLog?.flush(ctx.log);
      }
      if (stdReady) {
        await stdReady;
        await ctx.timer.time('stdlib', () =>
          runStep(ctx, container, 'Starting the build cache with the compiled standard library', SEED_ARGV, 'Copying the standard library\'s build cache failed'),
        );
      }
      await ctx.timer.time('compile', () =>
        runStep(ctx, container, `Compiling ${plan.packages.join(' ')} into ${BIN_DIR}`, plan.install, 'The Go build failed: the compiler\'s errors are above'),
      );
    });
  } finally {
    await stdSettled;
  }
}

export async function buildGo(ctx: BuildContext): Promise<BuildpackOutput> {
  const { log, timer } = ctx;
  const goMod = parseGoMod((await readAppFile(ctx.appDir, 'go.mod')).toString('utf8'));
  const plan = planGoBuild({ goMod, vendored: await isVendored(ctx.appDir) });
  const procfile = await readProcfile(ctx);
  for (const text of plan.warnings) log(warning(text));

  log(heading('Resolving the Go version'));
  const toolchain = await timer.time('runtime', () => resolveToolchain(ctx, requestedGoVersion(goMod)));
  await compile(ctx, toolchain, plan);

  const binaries = await builtBinaries(ctx.appDir);
  if (binaries.size === 0) {
    throw new BuildError(`\`go install ${plan.packages.join(' ')}\` built no program into bin/.`, {
      outputTail: ['The module needs a main package: at its root, under cmd/, or named in go.mod with `// +heroku install ./path/to/main`.'],
    });
  }
  log(detail(`Built: ${[...binaries].sort().map((name) => `bin/${name}`).join(', ')}`));

  return {
    processTypes: goProcessTypes(procfile, binaries, plan.defaultBinary),
    // The toolchain is not in the image: the binaries are static and need nothing from it.
    contributed: [],
    env: goRuntimeEnvironment(),
    versions: { go: toolchain.version },
  };
}
