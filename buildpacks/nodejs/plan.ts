// What a Node.js build will do, decided from the app's files (pure): install command,
// build script, pruning, process types, the environments, the dependency cache key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BuildError } from '../errors.js';
import { managerSteps, type ManagerFlavor, type ManagerTool } from './manager-commands.js';

import { APP_DIR, CA_PATH, CACHE_DIR, SYSTEM_PATH } from '../build-layout.js';

export { CACHE_DIR };
/** Where the Node.js runtime layer sits in build containers and images. */
export const RUNTIME_DIR = '/layers/nodejs';

/** Bump when the layout of the dependencies layer changes, so old caches are not reused. */
export const BUILDPACK_VERSION = 1;

const packageJsonSchema = z.object({
  name: z.string().optional().catch(undefined),
  scripts: z.record(z.string(), z.string()).optional().catch(undefined),
  engines: z.object({ node: z.string().optional(), npm: z.string().optional(), yarn: z.string().optional(), pnpm: z.string().optional() }).partial().optional().catch(undefined),
  dependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
  devDependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
  optionalDependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
  packageManager: z.unknown().optional(),
  workspaces: z.union([z.array(z.string()), z.object({ packages: z.array(z.string()).optional() }).passthrough()]).optional().catch(undefined),
});
export type PackageJson = z.infer<typeof packageJsonSchema>;

export function parsePackageJson(text: string): PackageJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BuildError('package.json is not valid JSON.', { outputTail: [(err as Error).message], cause: err });
  }
  const parsed = packageJsonSchema.safeParse(raw);
  if (!parsed.success) throw new BuildError('package.json must be a JSON object.');
  return parsed.data;
}

export type WebSource = 'Procfile' | 'start script' | 'npm start' | 'server.js';

/** How the build log names where the default web process came from. */
export const WEB_SOURCE_LABELS: Record<Exclude<WebSource, 'Procfile'>, string> = {
  'start script': "package.json's start script, run without npm",
  'npm start': 'npm start, which runs the prestart or poststart script too',
  'server.js': 'server.js, with no Procfile or start script',
};

export interface NodePlan {
  tool: ManagerTool;
  lockfile: string | null;
  prebuild: string[] | null;
  /** null: no dependencies to install */
  install: string[] | null;
  buildScript: string | null;
  build: string[] | null;
  /** null: no devDependencies to prune */
  prune: string[] | null;
  processTypes: Record<string, string>;
  web: { command: string; source: WebSource } | null;
  warnings: string[];
}

export interface NodePlanInput {
  packageJson: PackageJson;
  rootFiles: ReadonlySet<string>;
  /** process types from the Procfile, or null without one */
  procfile: Record<string, string> | null;
  /** the package manager and its lockfile (default: npm, with its lockfile if any) */
  manager?: { tool: ManagerTool; lockfile: string | null; yarnPlugins?: readonly string[] };
  /** another buildpack provides the web process (this build is a static site's build step) */
  webProvided?: boolean;
}

export const NPM_TOOL: ManagerTool = { flavor: 'npm', version: null, bin: ['npm'] };
const nonEmpty = (record: Record<string, unknown> | undefined): boolean => Object.keys(record ?? {}).length > 0;

export function planNodeBuild({ packageJson, rootFiles, procfile, manager, webProvided = false }: NodePlanInput): NodePlan {
  const tool = manager?.tool ?? NPM_TOOL;
  const lockfile = manager
    ? manager.lockfile
    : rootFiles.has('npm-shrinkwrap.json')
      ? 'npm-shrinkwrap.json'
      : rootFiles.has('package-lock.json')
        ? 'package-lock.json'
        : null;
  const scripts = packageJson.scripts ?? {};
  // Like Heroku: devDependencies are installed for the build script, then pruned. Install
  // scripts print in the log (a failing native compile shows why).
  const steps = managerSteps({
    tool,
    lockfile,
    scripts,
    hasDependencies:
      nonEmpty(packageJson.dependencies) || nonEmpty(packageJson.devDependencies) || nonEmpty(packageJson.optionalDependencies) ||
      nonEmpty(packageJson.workspaces as Record<string, unknown> | undefined) || rootFiles.has('pnpm-workspace.yaml'),
    hasDevDependencies: nonEmpty(packageJson.devDependencies) || rootFiles.has('pnpm-workspace.yaml') || nonEmpty(packageJson.workspaces as Record<string, unknown> | undefined),
    pnpmWorkspace: rootFiles.has('pnpm-workspace.yaml'),
    yarnPlugins: manager?.yarnPlugins ?? [],
  });

  const processTypes: Record<string, string> = { ...(procfile ?? {}) };
  const startScript = scripts.start?.trim() ?? '';
  let web: NodePlan['web'] = null;
  if (processTypes.web !== undefined) web = { command: processTypes.web, source: 'Procfile' };
  else if (startScript !== '') web = startScriptWeb(startScript, scripts);
  else if (rootFiles.has('server.js')) web = { command: 'node server.js', source: 'server.js' };
  if (web) processTypes.web = web.command;

  const warnings: string[] = [];
  if (steps.pruneSkipped) warnings.push(steps.pruneSkipped);
  if (rootFiles.has('node_modules')) warnings.push('node_modules is checked in: it is replaced by a fresh install.');
  if (!web && !webProvided) warnings.push('No web process: add a Procfile with "web: <command>", a "start" script, or a server.js.');

  return {
    tool,
    lockfile,
    prebuild: steps.prebuild,
    install: steps.install,
    buildScript: steps.buildScript,
    build: steps.build,
    prune: steps.prune,
    processTypes,
    web,
    warnings,
  };
}

/**
 * The start script is the web process itself, as Paketo's npm-start buildpack runs it: no npm
 * stays resident beside the app (60 MB and 0.2 s of boot per instance here), and the app gets
 * the platform's signals first-hand. Its PATH has node_modules/.bin, as under npm. npm itself
 * runs it when there is more to run: a prestart or poststart script.
 */
function startScriptWeb(startScript: string, scripts: Record<string, string>): NonNullable<NodePlan['web']> {
  if (scripts.prestart !== undefined || scripts.poststart !== undefined) return { command: 'npm start', source: 'npm start' };
  return { command: startScript, source: 'start script' };
}

export interface DependencyCacheKeyInput {
  packageJson: Buffer;
  lockfile: Buffer | null;
  nodeVersion: string;
  npmVersion: string;
  stackId: string;
  /** e.g. 'pnpm 10.34.9', 'yarn (yarnPath <hash>)'; npm apps leave it out */
  manager?: string;
  /** other files that shape the install: .yarnrc.yml, pnpm-workspace.yaml, workspaces' package.json ... (name → bytes) */
  extraFiles?: ReadonlyArray<[string, Buffer]>;
}

/** Equal inputs, equal node_modules: the key of the per-app dependencies cache. */
export function dependencyCacheKey(input: DependencyCacheKeyInput): string {
  const hash = createHash('sha256');
  for (const part of [
    `v${BUILDPACK_VERSION}`,
    input.nodeVersion,
    input.npmVersion,
    input.stackId,
    input.packageJson,
    input.lockfile ?? '(no lockfile)',
    ...(input.manager ? [`manager ${input.manager}`] : []),
    ...(input.extraFiles ?? []).flatMap(([name, bytes]) => [`file ${name}`, bytes]),
  ]) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** Environment of build commands. Package managers' caches live in the per-app cache mounts. */
export function buildEnvironment(npmRegistry: string, flavor: ManagerFlavor = 'npm', managerBin: string | null = null): string[] {
  const registry = npmRegistry.endsWith('/') ? npmRegistry : `${npmRegistry}/`;
  const npm = [
    `HOME=${APP_DIR}`,
    `PATH=${appPath(managerBin)}`,
    'NODE_ENV=production',
    `NODE_EXTRA_CA_CERTS=${CA_PATH}`,
    `npm_config_cafile=${CA_PATH}`,
    `npm_config_registry=${registry}`,
    `npm_config_cache=${CACHE_DIR}/npm`,
    // node-gyp finds headers in the runtime instead of downloading them (this is node-gyp's
    // own variable: npm 11+ warns about unknown npm_config_ keys).
    `npm_package_config_node_gyp_nodedir=${RUNTIME_DIR}`,
    'npm_config_update_notifier=false',
    'npm_config_fund=false',
    'npm_config_audit=false',
    'npm_config_loglevel=warn',
    'npm_config_progress=false',
  ];
  // Tools that write under $HOME (= /app, which becomes the app layer) write in the cache instead.
  const xdg = (dir: string) => [`XDG_CACHE_HOME=${dir}/xdg/cache`, `XDG_DATA_HOME=${dir}/xdg/data`, `XDG_STATE_HOME=${dir}/xdg/state`, `XDG_CONFIG_HOME=${dir}/xdg/config`];
  switch (flavor) {
    case 'npm':
      return npm;
    case 'yarn-classic':
      return [...npm, ...xdg(`${CACHE_DIR}/yarn`), `YARN_CACHE_FOLDER=${CACHE_DIR}/yarn/cache`, 'YARN_DISABLE_SELF_UPDATE_CHECK=true', 'YARN_SILENT=0'];
    case 'yarn-berry':
      // PnP needs the zips inside the project (.yarn/cache) to ship them: no global cache;
      // the per-app mirror in the cache mount makes the next fresh install offline.
      return [
        ...npm,
        ...xdg(`${CACHE_DIR}/yarn`),
        `YARN_NPM_REGISTRY_SERVER=${registry.replace(/\/$/, '')}`,
        `YARN_HTTPS_CA_FILE_PATH=${CA_PATH}`,
        'YARN_ENABLE_GLOBAL_CACHE=false',
        `YARN_GLOBAL_FOLDER=${CACHE_DIR}/yarn/berry`,
        'YARN_ENABLE_TELEMETRY=0',
        'YARN_ENABLE_PROGRESS_BARS=false',
        'YARN_ENABLE_COLORS=false',
        'YARN_ENABLE_HYPERLINKS=false',
      ];
    case 'pnpm':
      return [
        ...npm,
        ...xdg(`${CACHE_DIR}/pnpm`),
        // pnpm 10 reads npm_config_*, pnpm 11+ pnpm_config_*
        `npm_config_store_dir=${CACHE_DIR}/pnpm/store`,
        `pnpm_config_store_dir=${CACHE_DIR}/pnpm/store`,
        `pnpm_config_registry=${registry}`,
        `pnpm_config_cafile=${CA_PATH}`,
        'pnpm_config_update_notifier=false',
        `PNPM_HOME=${CACHE_DIR}/pnpm/home`,
      ];
  }
}

/** PATH of builds and apps: the runtime, the package manager's launcher, the app's bins. */
export function appPath(managerBin: string | null = null): string {
  return [`${RUNTIME_DIR}/bin`, ...(managerBin ? [managerBin] : []), `${APP_DIR}/node_modules/.bin`, SYSTEM_PATH].join(':');
}

/**
 * Environment of the app image. With Yarn PnP, node loads the project's resolver (and its
 * ESM loader when present) in every process, as `yarn node` would.
 */
export function runtimeEnvironment(options: { managerBin?: string | null; pnp?: { loader: boolean } | null } = {}): string[] {
  const nodeOptions = options.pnp
    ? [`NODE_OPTIONS=--require ${APP_DIR}/.pnp.cjs${options.pnp.loader ? ` --experimental-loader ${APP_DIR}/.pnp.loader.mjs` : ''}`]
    : [];
  return [`PATH=${appPath(options.managerBin ?? null)}`, `HOME=${APP_DIR}`, 'NODE_ENV=production', 'LANG=C.UTF-8', ...nodeOptions];
}
