// What a Node.js build will do, decided from the app's files (pure): install command,
// build script, pruning, process types, the environments, the dependency cache key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BuildError } from '../errors.js';

import { APP_DIR, CA_PATH, CACHE_DIR, SYSTEM_PATH } from '../build-layout.js';

export { CACHE_DIR };
/** Where the Node.js runtime layer sits in build containers and images. */
export const RUNTIME_DIR = '/layers/nodejs';
export const APP_PATH = `${RUNTIME_DIR}/bin:${APP_DIR}/node_modules/.bin:${SYSTEM_PATH}`;

/** Bump when the layout of the dependencies layer changes, so old caches are not reused. */
export const BUILDPACK_VERSION = 1;

const packageJsonSchema = z.object({
  name: z.string().optional().catch(undefined),
  scripts: z.record(z.string(), z.string()).optional().catch(undefined),
  engines: z.object({ node: z.string().optional(), npm: z.string().optional() }).partial().optional().catch(undefined),
  dependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
  devDependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
  optionalDependencies: z.record(z.string(), z.unknown()).optional().catch(undefined),
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

export type WebSource = 'Procfile' | 'npm start' | 'server.js';

export interface NodePlan {
  lockfile: 'npm-shrinkwrap.json' | 'package-lock.json' | null;
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
  /** another buildpack provides the web process (this build is a static site's build step) */
  webProvided?: boolean;
}

const NPM_FLAGS = ['--no-audit', '--no-fund'];
const nonEmpty = (record: Record<string, unknown> | undefined): boolean => Object.keys(record ?? {}).length > 0;

export function planNodeBuild({ packageJson, rootFiles, procfile, webProvided = false }: NodePlanInput): NodePlan {
  const lockfile = rootFiles.has('npm-shrinkwrap.json')
    ? 'npm-shrinkwrap.json'
    : rootFiles.has('package-lock.json')
      ? 'package-lock.json'
      : null;
  const hasDependencies =
    nonEmpty(packageJson.dependencies) || nonEmpty(packageJson.devDependencies) || nonEmpty(packageJson.optionalDependencies);
  // Like Heroku: devDependencies are installed for the build script, then pruned. Install
  // scripts print in the log (a failing native compile shows why).
  const installFlags = ['--include=dev', '--foreground-scripts', ...NPM_FLAGS];
  const install = lockfile ? ['npm', 'ci', ...installFlags] : hasDependencies ? ['npm', 'install', ...installFlags] : null;
  const scripts = packageJson.scripts ?? {};
  const buildScript = scripts['heroku-postbuild'] !== undefined ? 'heroku-postbuild' : scripts.build !== undefined ? 'build' : null;
  const prune = install && nonEmpty(packageJson.devDependencies) ? ['npm', 'prune', '--omit=dev', ...NPM_FLAGS] : null;

  const processTypes: Record<string, string> = { ...(procfile ?? {}) };
  let web: NodePlan['web'] = null;
  if (processTypes.web !== undefined) web = { command: processTypes.web, source: 'Procfile' };
  else if (scripts.start !== undefined) web = { command: 'npm start', source: 'npm start' };
  else if (rootFiles.has('server.js')) web = { command: 'node server.js', source: 'server.js' };
  if (web) processTypes.web = web.command;

  const warnings: string[] = [];
  if (rootFiles.has('yarn.lock')) warnings.push('yarn.lock found: Slipway installs with npm and ignores it.');
  if (rootFiles.has('pnpm-lock.yaml')) warnings.push('pnpm-lock.yaml found: Slipway installs with npm and ignores it.');
  if (rootFiles.has('node_modules')) warnings.push('node_modules is checked in: it is replaced by a fresh install.');
  if (!web && !webProvided) warnings.push('No web process: add a Procfile with "web: <command>", a "start" script, or a server.js.');

  return { lockfile, install, buildScript, build: buildScript ? ['npm', 'run', buildScript] : null, prune, processTypes, web, warnings };
}

export interface DependencyCacheKeyInput {
  packageJson: Buffer;
  lockfile: Buffer | null;
  nodeVersion: string;
  npmVersion: string;
  stackId: string;
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
  ]) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** Environment of build commands. The npm cache lives in the per-app cache mount. */
export function buildEnvironment(npmRegistry: string): string[] {
  return [
    `HOME=${APP_DIR}`,
    `PATH=${APP_PATH}`,
    'NODE_ENV=production',
    `NODE_EXTRA_CA_CERTS=${CA_PATH}`,
    `npm_config_cafile=${CA_PATH}`,
    `npm_config_registry=${npmRegistry.endsWith('/') ? npmRegistry : `${npmRegistry}/`}`,
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
}

/** Environment of the app image. */
export function runtimeEnvironment(): string[] {
  return [`PATH=${APP_PATH}`, `HOME=${APP_DIR}`, 'NODE_ENV=production', 'LANG=C.UTF-8'];
}
