// The stack, prepared once: images built from the recipe (or the operator's images pulled),
// kept in the local Docker Engine, and the run image pushed to the registry as
// `slipway/stack:<id>` so that app images reference and mount its layers.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { BuilderConfig } from '../config.js';
import { RegistryError, StackError } from '../errors.js';
import { withFileLock } from '../lock.js';
import { formatSeconds, heading, detail, type BuildLog } from '../log.js';
import type { LayerBlob } from '../oci/blob.js';
import { imageConfig, imageManifest } from '../oci/image.js';
import { ensureBlob } from '../oci/push.js';
import { engineAuthConfig, registryClient } from '../registry-access.js';
import { importChanges } from './commands.js';
import { ensurePulled, importRootfs, inspectLocalImage, type LocalImage } from './docker-images.js';
import { exportImageLayers } from './export.js';
import { unmountAllUnder } from './mounts.js';
import {
  DEFAULT_STACK_RECIPE,
  RECIPE_LABEL,
  ROLE_LABEL,
  STACK_BUILD_REPOSITORY,
  STACK_REGISTRY_REPOSITORY,
  STACK_RUN_REPOSITORY,
  recipeHash,
  stackImageNames,
  type StackRecipe,
} from './recipe.js';
import { buildStackRootfs } from './rootfs.js';

export interface Stack {
  /** 'bookworm' */
  name: string;
  /** recipe hash (or, for operator images, a hash of their IDs): the tag in `slipway/stack` */
  id: string;
  /** local Docker Engine references */
  runImage: string;
  buildImage: string;
  /** 'slipway/stack' */
  registryRepository: string;
  /** the registry the run image was pushed to */
  registry: string;
  /** the run image's layers: pushed blobs, and their gzip files for re-uploading */
  layers: LayerBlob[];
  /** true when this call built (or pulled) the images */
  prepared: boolean;
}

export interface EnsureStackOptions {
  /** Which stack (default: bookworm's recipe). */
  recipe?: StackRecipe;
  /** Where the commands' own output goes (debootstrap, apt: hundreds of lines); default `log`,
   *  as details. `log` always gets the headings and steps. */
  commandOutput?: (line: string) => void;
  /** Stops a stack build between steps or in its command (the control plane stopping); the
   *  next call starts it again. */
  signal?: AbortSignal;
}

/** The root filesystems of one stack's builds (each stack's builds hold their own lock). */
const rootfsPrefix = (recipe: StackRecipe) => `rootfs-${recipe.name}-`;

/**
 * Deletes the root filesystems an earlier build of this stack left. A build killed mid-way
 * (its control plane stopped by SIGKILL) can leave a /proc or /sys mounted inside: it is
 * unmounted first, since only a holder of this stack's lock mounts there. Anything still
 * mounted after that keeps the tree where it is.
 */
export async function removeStaleRootfs(stackDir: string, recipe: StackRecipe): Promise<void> {
  for (const name of await readdir(stackDir)) {
    if (!name.startsWith(rootfsPrefix(recipe))) continue;
    const dir = join(stackDir, name);
    const mounts = await unmountAllUnder(dir);
    if (mounts.length > 0) throw new StackError(`refusing to delete ${dir}: ${mounts.join(', ')} still mounted`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildImages(
  docker: Docker,
  recipe: StackRecipe,
  hash: string,
  stackDir: string,
  log: BuildLog,
  commandOutput: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  await removeStaleRootfs(stackDir, recipe);
  const root = join(stackDir, `${rootfsPrefix(recipe)}${hash}`);
  const paths = { run: join(root, 'run'), build: join(root, 'build') };
  // .debs per suite: two stacks may be built at once, and debootstrap's cache is not shared safely.
  const debs = join(stackDir, 'debs', recipe.suite);
  await buildStackRootfs(recipe, paths, debs, { step: (line) => void log(detail(line)), output: commandOutput }, signal);
  signal?.throwIfAborted();
  await log(detail('importing the images into Docker'));
  const labels = (role: string) => ({ [RECIPE_LABEL]: hash, [ROLE_LABEL]: role });
  await importRootfs(docker, paths.build, STACK_BUILD_REPOSITORY, hash, importChanges(labels('build')));
  await importRootfs(docker, paths.run, STACK_RUN_REPOSITORY, hash, importChanges(labels('run')));
  await removeStaleRootfs(stackDir, recipe);
}

async function localStack(
  docker: Docker,
  config: BuilderConfig,
  recipe: StackRecipe,
  stackDir: string,
  log: BuildLog,
  commandOutput: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<{ id: string; runImage: string; buildImage: string; run: LocalImage; prepared: boolean }> {
  const operatorImages = config.stackImages[recipe.name];
  if (operatorImages) {
    const pull = (ref: string) => ensurePulled(docker, ref, (line) => void log(detail(line)), () => engineAuthConfig(config, ref));
    const run = await pull(operatorImages.runImage);
    const build = await pull(operatorImages.buildImage);
    const id = createHash('sha256').update(`${run.id}\n${build.id}`).digest('hex').slice(0, 12);
    return { id, runImage: operatorImages.runImage, buildImage: operatorImages.buildImage, run, prepared: false };
  }
  const hash = recipeHash(recipe);
  const names = stackImageNames(hash);
  const present = async () =>
    (await inspectLocalImage(docker, names.buildImage)) !== null ? inspectLocalImage(docker, names.runImage) : null;
  let run = await present();
  let prepared = false;
  if (!run) {
    const started = Date.now();
    await log(heading(`Building the ${recipe.name} stack ${hash} from Debian packages (takes a few minutes, once)`));
    await buildImages(docker, recipe, hash, stackDir, log, commandOutput, signal);
    run = await present();
    if (!run) throw new StackError(`stack images ${names.runImage} and ${names.buildImage} missing after import`);
    await log(detail(`stack built in ${formatSeconds(Date.now() - started)}`));
    prepared = true;
  }
  return { id: hash, ...names, run, prepared };
}

const stackRepository = (config: BuilderConfig) => config.stackRepository ?? STACK_REGISTRY_REPOSITORY;

/** Pushes the run image's layers and a manifest to `slipway/stack:<id>` (or the configured
 *  repository), and points `slipway/stack:<name>` at it: what users build their own images
 *  FROM (`docker pull <registry>/slipway/stack:bookworm`, as Heroku's `heroku/heroku:24`). */
async function pushRunImage(config: BuilderConfig, name: string, id: string, run: LocalImage, layers: LayerBlob[]): Promise<void> {
  const client = registryClient(config);
  const repository = stackRepository(config);
  // Already there (tags may be immutable, as on ECR): nothing to push.
  const present = await client.getManifest(repository, id).then(
    () => true,
    (err: unknown) => {
      if (err instanceof RegistryError && err.httpStatus === 404) return false;
      throw err;
    },
  );
  if (present) {
    const digest = await client.manifestDigest(repository, id);
    if (digest) await client.tagManifest(repository, digest, name).catch(() => {}); // see below
    return;
  }
  for (const layer of layers) await ensureBlob(client, repository, layer);
  const imageLayers = layers.map((layer) => ({ ...layer, createdBy: `slipway stack ${id}` }));
  const configBlob = imageConfig({
    created: run.created,
    user: '1000:1000',
    workingDir: '/app',
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
    labels: { [RECIPE_LABEL]: id },
    layers: imageLayers,
  });
  await ensureBlob(client, repository, configBlob);
  const manifest = imageManifest(configBlob, imageLayers).bytes;
  await client.putManifest(repository, id, manifest);
  // The name is a convenience for users' own images; a registry with immutable tags (ECR's
  // option) keeps its first one, and builds never use it.
  await client.putManifest(repository, name, manifest).catch(() => {});
}

/**
 * Builds the stack images if the engine lacks them (or pulls the configured ones) and pushes
 * the run image to the registry. Concurrent callers for one stack on this machine wait for one
 * another (a lock per stack: building trixie does not hold up bookworm's builds).
 */
export async function ensureStack(
  docker: Docker,
  config: BuilderConfig,
  log: BuildLog,
  options: EnsureStackOptions = {},
): Promise<Stack> {
  const recipe = options.recipe ?? DEFAULT_STACK_RECIPE;
  const commandOutput = options.commandOutput ?? ((line: string) => void log(detail(line)));
  const { signal } = options;
  const stackDir = join(config.workDir, 'stack');
  await mkdir(stackDir, { recursive: true });
  return withFileLock(join(stackDir, `${recipe.name}.lock`), async () => {
    const local = await localStack(docker, config, recipe, stackDir, log, commandOutput, signal);
    signal?.throwIfAborted();
    const layers = await exportImageLayers(docker, local.runImage, local.run, join(stackDir, 'layers'), (line) =>
      void log(detail(line)),
    );
    signal?.throwIfAborted();
    try {
      await pushRunImage(config, recipe.name, local.id, local.run, layers);
    } catch (err) {
      throw new StackError(`cannot push the stack to ${config.registry}`, err);
    }
    return {
      name: recipe.name,
      id: local.id,
      runImage: local.runImage,
      buildImage: local.buildImage,
      registryRepository: stackRepository(config),
      registry: config.registry,
      layers,
      prepared: local.prepared,
    };
  }, signal);
}
