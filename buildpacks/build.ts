// One build: source unpacked, buildpack detected and run, app layer written, image pushed
// to `apps/<app>` under the build id. Failures reach the user as BuildErrors, Heroku style.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { InvalidParamsError } from '../common/errors.js';
import { appNameProblem } from '../common/names.js';
import type { HealthCheck } from '../common/health-check.js';
import { appImageSpec } from './app-image.js';
import { buildDockerfile, readHerokuYmlText } from './dockerfile/build.js';
import { chooseBuildPath, parseHerokuYml } from './dockerfile/plan.js';
import { readAppManifest } from './app-json.js';
import { pathExists, readAppFile } from './app-files.js';
import type { BuildContext, BuildpackOutput } from './buildpack.js';
import { chooseBuildpacks } from './choose.js';
import { buildClassic } from './classic/build.js';
import { writeEnvDir } from './env-dir.js';
import { hasProfileScripts, LAUNCHER_ENV, launcherLayer } from './launcher.js';
import { applySlugignore, parseSlugignore } from './slugignore.js';
import type { BuilderConfig } from './config.js';
import { BuildError } from './errors.js';
import { withFileLock } from './lock.js';
import { detail, formatBytes, heading, limitBuildLog, warning, type BuildLog } from './log.js';
import { imageConfig, imageManifest } from './oci/image.js';
import { pushImage } from './oci/push-image.js';
import { appRepository, isTag } from '../common/image-reference.js';
import { writeTarLayer, APP_USER } from './oci/tar-layer.js';
import { registryClient } from './registry-access.js';
import { extractSource } from './source.js';
import type { Stack } from './stack/ensure.js';
import { describeTimings, PhaseTimer } from './timings.js';

export interface BuildRequest {
  /** becomes the image tag: letters, digits, `_`, `.`, `-` (up to 128) */
  buildId: string;
  appName: string;
  /** keys the app's caches: they follow the app, not its name, which a new app may reuse */
  appId: string;
  /** a tar archive of the source (`git archive`) */
  source: NodeJS.ReadableStream;
  log: BuildLog;
  signal?: AbortSignal;
  /** The app's buildpack installations in order (URLs or names); none: detection picks a built-in one. */
  buildpacks?: readonly string[];
  /** The app's config vars, for ENV_DIR (secrets: never logged). */
  configVars?: Readonly<Record<string, string>>;
}

export interface BuildOutcome {
  image: { repository: string; digest: string };
  processTypes: Record<string, string>;
  /** Health checks by process type, from app.json. */
  healthChecks: Record<string, HealthCheck>;
  buildpack: string;
  stack: string;
  /** layer blobs whose bytes were sent (present or mounted ones are not) */
  layersUploaded: number;
  /** every byte sent to the registry, config included */
  bytesUploaded: number;
  /** milliseconds per phase, and `total` */
  timings: Record<string, number>;
  /** what the buildpack chose, e.g. { node: '24.11.0', npm: '11.6.2' }; a third-party buildpack's commit or digest */
  versions: Record<string, string>;
}

/** Heroku deletes what .slugignore names after the fetch and before any buildpack runs. */
async function applyAppSlugignore(appDir: string, rootFiles: Set<string>, log: BuildLog): Promise<Set<string>> {
  if (!rootFiles.has('.slugignore')) return rootFiles;
  const { patterns, skipped } = parseSlugignore((await readAppFile(appDir, '.slugignore')).toString('utf8'));
  for (const line of skipped) log(warning(`.slugignore: ${line}`));
  const removed = await applySlugignore(appDir, patterns);
  if (removed === 0) return rootFiles;
  log(heading(`Deleting ${removed} ${removed === 1 ? 'file' : 'files'} matching .slugignore patterns`));
  return new Set(await readdir(appDir));
}

export const DEFAULT_MAX_SOURCE_BYTES = 1024 * 1024 * 1024;

function describeProcessTypes(processTypes: Record<string, string>, fromProcfile: boolean): string {
  const types = Object.keys(processTypes);
  if (types.length === 0) return 'No process types declared';
  return `${fromProcfile ? 'Procfile declares types' : 'Default types for buildpack'} -> ${types.join(', ')}`;
}

async function build(
  docker: Docker,
  config: BuilderConfig,
  stack: Stack,
  request: BuildRequest,
  workspace: string,
  timer: PhaseTimer,
): Promise<BuildOutcome> {
  const { log } = request;
  const appDir = join(workspace, 'app');
  log(heading(`Building on the ${config.platformName} ${stack.name} stack`));
  const source = await timer.time('source', () =>
    extractSource(request.source, appDir, { owner: APP_USER, maxBytes: DEFAULT_MAX_SOURCE_BYTES }),
  );
  request.signal?.throwIfAborted();

  const rootFiles = await applyAppSlugignore(appDir, source.rootFiles, log);
  const appJson = await readAppManifest(appDir, rootFiles);
  const envDir = join(workspace, 'env');
  await writeEnvDir(envDir, request.configVars ?? {});

  const ctx: BuildContext = {
    docker, config, stack, appName: request.appName, appCacheDir: appCacheDir(config.cacheDir, request.appId), buildId: request.buildId, appDir,
    rootFiles, envDir, log, signal: request.signal, timer,
  };
  const herokuYmlText = await readHerokuYmlText(appDir, rootFiles);
  const path = chooseBuildPath(rootFiles, herokuYmlText === null ? null : parseHerokuYml(herokuYmlText), (request.buildpacks ?? []).length > 0);
  if (path.kind === 'docker') {
    const built = await buildDockerfile(ctx, path.dockerfile, path.herokuYml);
    const timings = timer.result();
    log(detail(`Build finished: ${describeTimings(timings)}`));
    return { ...built, healthChecks: appJson.healthChecks, buildpack: 'dockerfile', stack: stack.name, layersUploaded: 0, bytesUploaded: 0, timings, versions: {} };
  }
  const chosen = chooseBuildpacks(request.buildpacks ?? [], rootFiles, config.buildpackRegistry);
  let output: BuildpackOutput;
  let buildpackId: string;
  if (chosen.kind === 'builtin') {
    log(heading(`${chosen.buildpack.language} app detected`));
    output = await chosen.buildpack.build(ctx);
    buildpackId = chosen.buildpack.id;
  } else {
    output = await buildClassic(ctx, chosen.references, workspace, { ...config.buildpackFetch, cacheDir: join(config.cacheDir, 'buildpacks'), caFile: config.caFile });
    buildpackId = chosen.references.map((reference) => reference.name).join(' ');
  }
  request.signal?.throwIfAborted();
  if (await hasProfileScripts(appDir)) {
    output = { ...output, contributed: [...output.contributed, await launcherLayer(config.cacheDir)], env: [...output.env, LAUNCHER_ENV] };
  }

  log(heading('Discovering process types'));
  const hasProcfile = await pathExists(join(appDir, 'Procfile'));
  log(detail(describeProcessTypes(output.processTypes, hasProcfile)));
  for (const [type, check] of Object.entries(appJson.healthChecks)) log(detail(`app.json health check for ${type}: GET ${check.path}`));

  log(heading('Compressing and pushing the image'));
  const appLayer = await timer.time('layer:app', () =>
    writeTarLayer(
      [{ root: appDir, prefix: 'app', exclude: appLayerExcluder(output.appLayerExclude ?? ['node_modules']) }],
      join(workspace, 'app-layer.tar.gz'),
    ),
  );
  // A runtime downloaded by this build may still be compressing its layer.
  const contributed = await Promise.all(output.contributed.map(async (layer) => ({ ...layer, blob: await layer.blob })));
  const spec = appImageSpec({
    stackId: stack.id,
    stackName: stack.name,
    stackLayers: stack.layers,
    contributed,
    appLayer,
    env: output.env,
    processTypes: output.processTypes,
    appName: request.appName,
    buildId: request.buildId,
    buildpack: buildpackId,
    created: new Date().toISOString(),
  });
  const configBlob = imageConfig(spec);
  const manifest = imageManifest(configBlob, spec.layers);
  const repository = appRepository(request.appName, config.appRepositoryPrefix);
  const pushed = await timer.time('push', () =>
    pushImage(
      registryClient(config),
      repository,
      request.buildId,
      [
        ...stack.layers.map((blob) => ({ blob, mountFrom: [stack.registryRepository] })),
        ...contributed.map((layer) => ({ blob: layer.blob, mountFrom: [], sharedRepository: layer.sharedRepository })),
        { blob: appLayer, mountFrom: [] },
      ],
      configBlob,
      manifest,
    ),
  );
  const layerCount = spec.layers.length;
  log(detail(`Uploaded ${pushed.layers.uploaded} of ${layerCount} layers (${formatBytes(pushed.bytesUploaded)}); ${layerCount - pushed.layers.uploaded} already in the registry`));
  log(detail(`Image: ${repository}@${pushed.digest}`));
  const timings = timer.result();
  log(detail(`Build finished: ${describeTimings(timings)}`));
  return {
    image: { repository, digest: pushed.digest },
    processTypes: output.processTypes,
    healthChecks: appJson.healthChecks,
    buildpack: buildpackId,
    stack: stack.name,
    layersUploaded: pushed.layers.uploaded,
    bytesUploaded: pushed.bytesUploaded,
    timings,
    versions: output.versions,
  };
}

/** Pure: the app layer leaves out `.git` and each of `paths` with everything under it. */
export function appLayerExcluder(paths: readonly string[]): (relative: string) => boolean {
  const all = ['.git', ...paths];
  return (relative) => all.some((path) => relative === path || relative.startsWith(`${path}/`));
}

/** Pure: where an app's build caches live (under its id; `appId` comes from our own records). */
export function appCacheDir(cacheDir: string, appId: string): string {
  return join(cacheDir, 'apps', appId);
}

/** Removes an app's build caches (the app was deleted). */
export async function removeAppCaches(cacheDir: string, appId: string): Promise<void> {
  await rm(appCacheDir(cacheDir, appId), { recursive: true, force: true });
}

/**
 * Builds `request.source` into an image in the registry. Builds of one app are serialised
 * (they share its caches); builds of different apps run side by side.
 */
export async function buildApp(docker: Docker, config: BuilderConfig, stack: Stack, request: BuildRequest): Promise<BuildOutcome> {
  const nameProblem = appNameProblem(request.appName);
  if (nameProblem) throw new InvalidParamsError(`app name: ${nameProblem}`);
  if (!isTag(request.buildId)) throw new InvalidParamsError('build id: use letters, digits, "_", "." and "-" (up to 128)');

  const timer = new PhaseTimer();
  const workspace = join(config.workDir, 'builds', `${request.buildId}-${randomBytes(4).toString('hex')}`);
  try {
    // The user's commands may print anything: what reaches the log (and memory) is bounded.
    const limited = { ...request, log: limitBuildLog(request.log, config.log.maxBytes) };
    return await withFileLock(join(appCacheDir(config.cacheDir, request.appId), 'build.lock'), () =>
      build(docker, config, stack, limited, workspace, timer),
    );
  } catch (err) {
    const failure =
      err instanceof BuildError
        ? err
        : request.signal?.aborted
          ? new BuildError('The build was cancelled.', { cause: err })
          : BuildError.internal(err);
    request.log(warning(failure.reason));
    if (!failure.tailLogged) for (const line of failure.outputTail) request.log(warning(line));
    throw failure;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
