// The static site buildpack: static.json checked first, the app built by its language's
// buildpack when one detects it (a Vite app's `npm run build`), nginx from the stack's Debian
// packages, and a small layer with nginx.conf and its start script, checked with `nginx -t`.
import { chmod, lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pathExists, readAppFile } from '../app-files.js';
import type { BuildContext, Buildpack, BuildpackOutput } from '../buildpack.js';
import { APP_DIR, RUNTIMES_REPOSITORY, SYSTEM_PATH } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import { withBuildContainer } from '../container.js';
import { BuildError } from '../errors.js';
import { detail, heading, heldLog, warning, type BuildLog } from '../log.js';
import type { LayerBlob } from '../oci/blob.js';
import { writeTarLayer } from '../oci/tar-layer.js';
import { ensureStackPackages, type StackPackages, type StackPackageSet } from '../stack/packages.js';
import { renderNginxConfig } from './nginx-config.js';
import { BUILD_OUTPUT_DIRS, chooseRoot, START_NGINX, STATIC_LAYER_DIR, startNginxScript, staticProcessTypes } from './plan.js';
import { EMPTY_STATIC_CONFIG, parseStaticJson, STATIC_JSON, type StaticConfig } from './static-json.js';

export const NGINX_PACKAGES: StackPackageSet = { name: 'nginx', run: ['nginx'], build: [] };

async function readStaticConfig(ctx: BuildContext): Promise<StaticConfig> {
  if (!ctx.rootFiles.has(STATIC_JSON)) return EMPTY_STATIC_CONFIG;
  return parseStaticJson((await readAppFile(ctx.appDir, STATIC_JSON)).toString('utf8'));
}

/** What lstat says of a path under the app, without following a symlink at its end. */
const kindOf = async (path: string) => {
  const stats = await lstat(path).catch(() => null);
  return stats?.isDirectory() ? 'directory' : stats?.isFile() ? 'file' : stats ? 'other' : null;
};

async function servedRoot(ctx: BuildContext, config: StaticConfig, built: boolean): Promise<string> {
  const directories = new Set<string>();
  for (const dir of BUILD_OUTPUT_DIRS) if ((await kindOf(join(ctx.appDir, dir))) === 'directory') directories.add(dir);
  const root = chooseRoot({ configured: config.root, built, rootIndex: ctx.rootFiles.has('index.html'), directories });
  if (root === null) {
    throw new BuildError(`The build wrote none of ${BUILD_OUTPUT_DIRS.map((dir) => `${dir}/`).join(', ')}, so there is no site to serve.`, {
      outputTail: ['Set "root" in static.json to the directory the build writes the site to.'],
    });
  }
  if ((await kindOf(join(ctx.appDir, root))) !== 'directory') {
    throw new BuildError(`static.json's root "${root}" is not a directory of the app${built ? ' after the build' : ''}.`, {
      outputTail: ['Set "root" in static.json to the directory holding the site (e.g. "dist/"), or make the build write it there.'],
    });
  }
  return root;
}

/** Files static.json points at that are not there: the site works, but not as the user meant. */
async function missingFiles(siteDir: string, config: StaticConfig): Promise<string[]> {
  const named = [...config.routes.map(([glob, file]) => [`routes["${glob}"]`, file] as const), ...(config.errorPage ? [['error_page', config.errorPage] as const] : [])];
  const missing: string[] = [];
  for (const [field, file] of named) {
    // a directory (`/docs/`) is served by its index.html
    const served = file.endsWith('/') ? `${file}index.html` : file;
    if ((await kindOf(join(siteDir, served))) !== 'file') missing.push(`static.json's ${field} names ${file}, which the site does not have.`);
  }
  return missing;
}

/** nginx.conf and bin/start-nginx, as the directory that becomes /layers/static. */
async function writeStaticLayerDir(dir: string, nginxConf: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'nginx.conf'), nginxConf);
  await writeFile(join(dir, 'bin', 'start-nginx'), startNginxScript());
  await chmod(join(dir, 'bin', 'start-nginx'), 0o755);
}

function describeConfig(root: string, config: StaticConfig): string[] {
  const lines = [`Serving ${root === '.' ? 'the app\'s root directory' : `${root}/`} with nginx`];
  if (config.cleanUrls) lines.push('Clean URLs: /about serves about.html');
  for (const [glob, file] of config.routes) lines.push(`Route: ${glob} -> ${file} (when no file matches)`);
  for (const [glob, { url, status }] of config.redirects) lines.push(`Redirect: ${glob} -> ${url} (${status})`);
  if (config.headers.length > 0) lines.push(`Custom headers for ${config.headers.map(([glob]) => glob).join(', ')}`);
  if (config.httpsOnly) lines.push('HTTPS only: plain HTTP requests are redirected');
  if (config.errorPage) lines.push(`Error page: ${config.errorPage}`);
  return lines;
}

/**
 * nginx.conf for `root` as an image layer, checked with `nginx -t` unless this nginx already
 * accepted this very layer. Lines go to `log` (held when this runs beside the build step).
 */
async function prepareNginxConfig(ctx: BuildContext, config: StaticConfig, root: string, nginx: StackPackages, log: BuildLog): Promise<LayerBlob> {
  const layerRoot = await appUserDirectory(join(ctx.appCacheDir, 'static'));
  const layerDir = join(layerRoot, 'layer');
  const siteRoot = root === '.' ? APP_DIR : posix.join(APP_DIR, root);
  await writeStaticLayerDir(layerDir, renderNginxConfig({ config, root: siteRoot }));
  const configLayer = await ctx.timer.time('layer:static', () =>
    writeTarLayer([{ root: layerDir, prefix: STATIC_LAYER_DIR.slice(1) }], join(layerRoot, 'static-layer.tar.gz')),
  );
  // `nginx -t` sees only the config layer and nginx itself: a pair it passed once passes again.
  const checkedMark = join(layerRoot, `checked-${configLayer.digest.slice(7, 23)}-${nginx.layer.digest.slice(7, 23)}`);
  if (await pathExists(checkedMark)) {
    await log(heading('Checking the nginx configuration'));
    await log(detail('Unchanged since nginx last accepted it'));
    return configLayer;
  }
  // `nginx -t` reaches nothing: the check runs without a network.
  const spec = await buildContainerSpec(ctx, {
    image: nginx.buildImage,
    env: [`PATH=${SYSTEM_PATH}`],
    mounts: [{ source: layerDir, target: STATIC_LAYER_DIR, readOnly: true }],
    offline: true,
  });
  await ctx.timer.time('check', () =>
    withBuildContainer(ctx.docker, spec, ctx.signal, (container) =>
      runStep({ ...ctx, log }, container, 'Checking the nginx configuration', [START_NGINX, '-t'], 'nginx refused the configuration made from static.json'),
    ),
  );
  for (const name of await readdir(layerRoot)) if (name.startsWith('checked-')) await rm(join(layerRoot, name), { force: true });
  await writeFile(checkedMark, '');
  return configLayer;
}

export async function buildStaticSite(ctx: BuildContext, buildStep: Buildpack | null): Promise<BuildpackOutput> {
  const { log, timer } = ctx;
  // static.json is checked before anything runs: a typo fails in a second, not after the build
  const config = await readStaticConfig(ctx);
  const procfile = await readProcfile(ctx);

  // nginx does not depend on the site: it is made ready while the site builds, and what that
  // says is printed under its own heading once the build step is done.
  const nginxLog = heldLog();
  const nginxReady = ensureStackPackages(ctx.docker, ctx.config, ctx.stack, NGINX_PACKAGES, nginxLog.log);
  nginxReady.catch(() => undefined); // awaited below, unless the build step fails first
  // When static.json names the root, nginx's configuration is known before the build, so it is
  // also written and checked meanwhile; otherwise the root is whatever the build writes.
  const checkLog = heldLog();
  const earlyConfig = buildStep && config.root !== undefined ? nginxReady.then((nginx) => prepareNginxConfig(ctx, config, config.root!, nginx, checkLog.log)) : null;
  earlyConfig?.catch(() => undefined);

  let built: BuildpackOutput | null = null;
  let nginx: StackPackages;
  let configLayer: LayerBlob;
  try {
    if (buildStep) {
      log(heading(`Building the site with the ${buildStep.language} buildpack`));
      // Its runtime and dependency layers are left out of the image: nginx serves what it built.
      built = await buildStep.build({ ...ctx, buildStepOf: 'slipway/static' });
    }

    const root = await servedRoot(ctx, config, built !== null);
    for (const text of await missingFiles(join(ctx.appDir, root), config)) log(warning(text));

    log(heading('Installing nginx'));
    nginx = await timer.time('runtime', () => nginxReady).finally(() => nginxLog.flush(log));
    log(detail(`nginx ${nginx.versions.nginx ?? 'unknown'} from Debian's ${ctx.stack.name} packages`));

    log(heading('Configuring nginx'));
    for (const line of describeConfig(root, config)) log(detail(line));
    configLayer = earlyConfig ? await earlyConfig.finally(() => checkLog.flush(log)) : await prepareNginxConfig(ctx, config, root, nginx, log);
  } catch (err) {
    // Whatever failed first, the check beside it is waited for: no container of this build outlives it.
    await earlyConfig?.catch(() => undefined);
    throw err;
  }
  const nginxVersion = nginx.versions.nginx ?? 'unknown';

  return {
    processTypes: staticProcessTypes(procfile),
    contributed: [
      { blob: nginx.layer, createdBy: `slipway/static: nginx ${nginxVersion} (Debian ${ctx.stack.name})`, sharedRepository: RUNTIMES_REPOSITORY },
      { blob: configLayer, createdBy: 'slipway/static: nginx.conf from static.json, bin/start-nginx' },
    ],
    env: [`PATH=${SYSTEM_PATH}`, `HOME=${APP_DIR}`, 'LANG=C.UTF-8'],
    versions: { ...built?.versions, nginx: nginxVersion },
  };
}
