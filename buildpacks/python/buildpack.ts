// The Python buildpack: the interpreter from the stack's Debian packages (one shared layer),
// a virtualenv filled by pip, uv, Poetry or Pipenv in a build container (skipped when the
// per-app cache matches), Django's collectstatic, the web process.
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { CACHE_DIR, RUNTIMES_REPOSITORY } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import type { BuildMount } from '../container-spec.js';
import { withBuildContainer, type BuildContainer } from '../container.js';
import { DownloadError, outboundDispatcher } from '../downloads.js';
import { BuildError } from '../errors.js';
import { readEnvDirVar } from '../env-dir.js';
import { detail, heading, warning } from '../log.js';
import type { LayerBlob } from '../oci/blob.js';
import { ensureStackPackages, type StackPackages, type StackPackageSet } from '../stack/packages.js';
import {
  buildEnvironment,
  choosePackageManager,
  dependencyCacheKey,
  installedDistributions,
  installSteps,
  managerVersion,
  planProcesses,
  PYTHON_LAYERS_DIR,
  runtimeEnvironment,
  UV_DIR,
  type ManagerChoice,
} from './plan.js';
import { ensureUv, UV_VERSION, type UvTool } from './uv.js';
import { VenvCache } from './venv-cache.js';
import { checkStackPython, pythonRequest, resolvePython, type ResolvedPython } from './versions.js';

/** Debian packages: the interpreter for apps; venv, headers and compilers for builds (wheels that compile). */
export const PYTHON_PACKAGES: StackPackageSet = {
  name: 'python',
  run: ['python3'],
  build: ['python3-venv', 'python3-dev', 'build-essential'],
};

async function optionalText(ctx: BuildContext, name: string): Promise<string | undefined> {
  return ctx.rootFiles.has(name) ? (await readAppFile(ctx.appDir, name)).toString('utf8') : undefined;
}

async function fetchUv(ctx: BuildContext): Promise<UvTool> {
  const dispatcher = await outboundDispatcher(ctx.config.caFile);
  try {
    const uv = await ensureUv({ cacheDir: ctx.config.cacheDir, indexUrl: ctx.config.pypiIndexUrl, dispatcher });
    ctx.log(detail(`uv ${uv.version}: ${uv.cached ? 'using the cached binary' : 'downloaded from the package index and verified (sha256)'}`));
    return uv;
  } catch (err) {
    if (err instanceof DownloadError) throw new BuildError(`Could not install uv ${UV_VERSION}: ${err.message}.`, { cause: err });
    throw err;
  } finally {
    await dispatcher.close();
  }
}

async function containerMounts(ctx: BuildContext, cache: VenvCache, uv: UvTool | null, writable: boolean): Promise<BuildMount[]> {
  const clientCaches = await appUserDirectory(join(ctx.appCacheDir, 'python-clients'));
  return [
    { source: cache.tree, target: PYTHON_LAYERS_DIR, readOnly: !writable },
    { source: clientCaches, target: CACHE_DIR, readOnly: false },
    ...(uv ? [{ source: uv.dir, target: UV_DIR, readOnly: true }] : []),
  ];
}

type RunStep = (title: string, argv: string[], failure: string) => Promise<void>;

/** collectstatic (Django) and the process types, from what the venv holds. */
async function finish(
  ctx: BuildContext,
  cache: VenvCache,
  python: ResolvedPython,
  run: RunStep,
  procfile: Record<string, string> | null,
): Promise<Record<string, string>> {
  const installed = installedDistributions(await cache.sitePackagesEntries(python.line));
  const managePy = ctx.rootFiles.has('manage.py') ? (await readAppFile(ctx.appDir, 'manage.py')).toString('utf8') : null;
  const disableCollectstatic = await readEnvDirVar(ctx.envDir, 'DISABLE_COLLECTSTATIC');
  const plan = planProcesses({ procfile, installed, managePy, disableCollectstatic });
  if (plan.collectstaticDisabled) ctx.log(detail('Skipping Django collectstatic: DISABLE_COLLECTSTATIC is set'));
  if (plan.collectstatic) {
    const failure = 'Django collectstatic failed: `python manage.py collectstatic --noinput` exited with an error (check STATIC_ROOT and the settings it needs)';
    await ctx.timer.time('collectstatic', () => run('Running Django collectstatic', plan.collectstatic!, failure));
  }
  if (plan.web) ctx.log(detail(`web process from ${plan.web.source}: ${plan.web.command}`));
  for (const note of plan.notes) ctx.log(warning(note));
  return plan.processTypes;
}

export async function buildPython(ctx: BuildContext): Promise<BuildpackOutput> {
  const { log, timer, stack } = ctx;
  const choice: ManagerChoice = choosePackageManager(ctx.rootFiles);
  for (const text of choice.warnings) log(warning(text));
  const procfile = await readProcfile(ctx);

  log(heading('Resolving the Python version'));
  const request = pythonRequest({
    pythonVersion: await optionalText(ctx, '.python-version'),
    runtimeTxt: await optionalText(ctx, 'runtime.txt'),
    pyproject: await optionalText(ctx, 'pyproject.toml'),
  });
  const python = resolvePython(request, stack.name);
  log(detail(python.explanation));

  log(heading(`Installing Python ${python.line} from the ${stack.name} stack's Debian packages`));
  const { packages, installedVersion, uv } = await timer.time('runtime', async () => {
    const packages: StackPackages = await ensureStackPackages(ctx.docker, ctx.config, stack, PYTHON_PACKAGES, log);
    const installedVersion = checkStackPython(python, packages.versions.python3, stack.name);
    log(detail(`python3 ${packages.versions.python3}`));
    const uv = choice.manager === 'uv' ? await fetchUv(ctx) : null;
    return { packages, installedVersion, uv };
  });

  const cache = new VenvCache(join(ctx.appCacheDir, 'python'));
  const key = dependencyCacheKey({
    manager: choice.manager,
    managerVersion: managerVersion(choice.manager, UV_VERSION),
    pythonVersion: installedVersion,
    stackId: stack.id,
    indexUrl: ctx.config.pypiIndexUrl,
    files: await Promise.all([choice.lockfile, ...choice.keyFiles].map((file) => readAppFile(ctx.appDir, file))),
  });
  const env = buildEnvironment(python.line, ctx.config.pypiIndexUrl);
  const spec = async (writable: boolean) =>
    buildContainerSpec(ctx, { image: packages.buildImage, env, mounts: await containerMounts(ctx, cache, uv, writable) });
  const stepsIn = (container: BuildContainer): RunStep => (title, argv, failure) => runStep(ctx, container, title, argv, failure);

  let venvLayer: LayerBlob | null = await cache.get(key);
  let processTypes: Record<string, string>;
  if (venvLayer) {
    log(heading('Restoring the virtualenv from the cache'));
    log(detail(`${choice.lockfile}, Python ${installedVersion} and ${choice.manager} unchanged: the install is skipped`));
    // a container (the venv read-only) only if a step needs one: collectstatic
    const runInFreshContainer: RunStep = async (title, argv, failure) =>
      withBuildContainer(ctx.docker, await spec(false), ctx.signal, (container) => stepsIn(container)(title, argv, failure));
    processTypes = await finish(ctx, cache, python, runInFreshContainer, procfile);
  } else {
    await cache.prepare();
    processTypes = await withBuildContainer(ctx.docker, await spec(true), ctx.signal, async (container) => {
      const run = stepsIn(container);
      await timer.time('dependencies', async () => {
        for (const step of installSteps(choice.manager, python.line)) await run(step.title, step.argv, step.failure);
      });
      venvLayer = await timer.time('layer:dependencies', () => cache.put(key));
      return finish(ctx, cache, python, run, procfile);
    });
  }

  return {
    processTypes,
    contributed: [
      { blob: packages.layer, createdBy: `slipway/python: Python ${installedVersion} (Debian python3 ${packages.versions.python3})`, sharedRepository: RUNTIMES_REPOSITORY },
      { blob: venvLayer!, createdBy: `slipway/python: virtualenv (${choice.manager}, ${choice.lockfile})` },
    ],
    env: runtimeEnvironment(),
    versions: { python: installedVersion, packageManager: choice.manager, ...(uv ? { uv: uv.version } : {}) },
  };
}
