// Debian packages a language needs (Python, a JDK, nginx), added to the stack once per stack
// and package set: apt-get in a root container from each stack image, committed. The run
// image's commit gives one layer (the packages' files) that app images put over the stack;
// the build image's commit is the image of that language's build containers. Lazily built the
// first time an app needs it, then found in the engine by name.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { STACK_LABELS } from '../../common/labels.js';
import { buildNetwork } from '../build-network.js';
import type { BuilderConfig } from '../config.js';
import { PackagesUnavailableError, StackError } from '../errors.js';
import { withFileLock } from '../lock.js';
import { detail, formatSeconds, heading, LineTail, type BuildLog } from '../log.js';
import type { LayerBlob } from '../oci/blob.js';
import { dockerOutputLines } from '../output-lines.js';
import { inspectLocalImage } from './docker-images.js';
import type { Stack } from './ensure.js';
import { exportImageLayers } from './export.js';
import { canonicalJson } from './recipe.js';

export interface StackPackageSet {
  /** names the images and says what the packages are for: 'python', 'java', 'nginx' */
  name: string;
  /** needed when the app runs: installed over the run image, one layer of the app image */
  run: string[];
  /** needed only by builds: installed over the build image together with `run` */
  build: string[];
}

export interface StackPackages {
  /** the stack's build image with `run` and `build` installed: the image of the language's build containers */
  buildImage: string;
  /** the files `run` adds to the stack's run image, as one layer */
  layer: LayerBlob;
  /** installed version of each named package, e.g. { python3: '3.11.2-1+b1' } */
  versions: Record<string, string>;
}

export const PACKAGES_RUN_REPOSITORY = 'slipway/stack-packages-run';
export const PACKAGES_BUILD_REPOSITORY = 'slipway/stack-packages-build';
const VERSIONS_LABEL = STACK_LABELS.packageVersions;
const VERSIONS_MARKER = '--- installed versions';
/** Bump when the install script changes what ends up in the images. */
const REVISION = 2;

/** Pure: names the images of this set on this stack; any change of stack or packages gives new ones. */
export function stackPackagesKey(stack: Pick<Stack, 'id'>, set: StackPackageSet): string {
  const data = { revision: REVISION, stack: stack.id, name: set.name, run: [...set.run].sort(), build: [...set.build].sort() };
  return createHash('sha256').update(canonicalJson(data)).digest('hex').slice(0, 12);
}

export function stackPackagesImages(set: StackPackageSet, key: string): { run: string; build: string } {
  const tag = `${set.name}-${key}`;
  return { run: `${PACKAGES_RUN_REPOSITORY}:${tag}`, build: `${PACKAGES_BUILD_REPOSITORY}:${tag}` };
}

/**
 * The install, as a fixed script with the packages as its arguments (never interpolated):
 * apt's lists, caches and logs are removed so the layer holds only what the packages install,
 * then the versions are printed after a marker line.
 */
export function installArgv(packages: readonly string[]): string[] {
  const script = [
    'set -e',
    // The stack leaves /usr/share/man out; update-alternatives still links man pages there (the
    // JDK's postinst fails without the directory), so give it one (it stays empty of pages).
    'mkdir -p /usr/share/man/man1',
    'apt-get update -qq',
    'apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@"',
    'apt-get clean',
    'find /var/lib/apt/lists -maxdepth 1 -type f -name "*_*" -delete',
    'rm -rf /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /var/log/alternatives.log /var/cache/debconf/*-old',
    `echo '${VERSIONS_MARKER}'`,
    "dpkg-query -W -f '${Package} ${Version}\\n' \"$@\"",
  ].join('\n');
  return ['/bin/sh', '-c', script, 'install', ...packages];
}

/** Pure: `{ package: version }` from the install's output, after the marker line. */
export function parseInstalledVersions(output: readonly string[]): Record<string, string> {
  const start = output.lastIndexOf(VERSIONS_MARKER);
  if (start < 0) return {};
  const versions: Record<string, string> = {};
  for (const line of output.slice(start + 1)) {
    const match = /^(\S+) (\S+)$/.exec(line.trim());
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}

/** Pure: the packages apt said it cannot install (none on the stack's release), from its output:
 *  `E: Unable to locate package x`, `E: Package 'x' has no installation candidate`. */
export function unavailablePackages(output: readonly string[]): string[] {
  const missing: string[] = [];
  for (const line of output) {
    const match = /^E: Unable to locate package (\S+)/.exec(line.trim()) ?? /^E: Package '([^']+)' has no installation candidate/.exec(line.trim());
    if (match && !missing.includes(match[1]!)) missing.push(match[1]!);
  }
  return missing;
}

/**
 * The root container that installs the packages. Root because apt needs it; it runs only this
 * fixed script over Debian's own packages, never app code, on the builds network (egress only),
 * memory-limited.
 */
export function installContainerOptions(image: string, packages: readonly string[], network: string, labels: Record<string, string>): Docker.ContainerCreateOptions {
  const memory = 2048 * 1024 * 1024;
  return {
    Image: image,
    Cmd: installArgv(packages),
    User: '0:0',
    Env: ['DEBIAN_FRONTEND=noninteractive', 'LANG=C.UTF-8'],
    Labels: labels,
    HostConfig: { NetworkMode: network, Memory: memory, MemorySwap: memory, PidsLimit: 1024, SecurityOpt: ['no-new-privileges'] },
  };
}

/** Runs the install in a container of `base` and commits it as `target`; returns the versions (also used for add-on images). */
export async function installAndCommit(
  docker: Docker,
  base: string,
  packages: readonly string[],
  target: string,
  log: BuildLog,
): Promise<Record<string, string>> {
  const labels = { [STACK_LABELS.role]: 'packages' };
  const container = await buildNetwork(docker).join((network) => docker.createContainer(installContainerOptions(base, packages, network, labels)));
  try {
    const output: string[] = [];
    const tail = new LineTail(20);
    const lines = dockerOutputLines(8192, (line) => {
      output.push(line);
      tail.push(line);
    });
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const drained = new Promise<void>((resolve) => {
      lines.once('finish', resolve);
      lines.once('error', () => resolve());
    });
    stream.pipe(lines);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await drained;
    if (StatusCode !== 0) {
      for (const line of tail.get()) await log(detail(line));
      const missing = unavailablePackages(output);
      if (missing.length > 0) throw new PackagesUnavailableError(missing, base);
      throw new StackError(`installing ${packages.join(' ')} into ${base} failed with exit code ${StatusCode}`);
    }
    const versions = parseInstalledVersions(output);
    const [repo, tag] = target.split(':') as [string, string];
    await container.commit({ repo, tag, changes: ['USER 1000:1000', `LABEL ${VERSIONS_LABEL}=${JSON.stringify(JSON.stringify(versions))}`] });
    return versions;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function readVersions(labels: Record<string, string>): Record<string, string> {
  try {
    return JSON.parse(labels[VERSIONS_LABEL] ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * The set's build image and run layer on `stack`, installed the first time (a minute or so,
 * said in the build log) and found by name afterwards. Concurrent callers wait on a lock.
 */
export async function ensureStackPackages(
  docker: Docker,
  config: BuilderConfig,
  stack: Stack,
  set: StackPackageSet,
  log: BuildLog,
): Promise<StackPackages> {
  const key = stackPackagesKey(stack, set);
  const images = stackPackagesImages(set, key);
  const stackDir = join(config.workDir, 'stack');
  await mkdir(stackDir, { recursive: true });
  return withFileLock(join(stackDir, `packages-${key}.lock`), async () => {
    let run = await inspectLocalImage(docker, images.run);
    let build = await inspectLocalImage(docker, images.build);
    if (!run || !build) {
      const started = Date.now();
      await log(heading(`Installing ${set.name} from Debian packages into the ${stack.name} stack (once)`));
      if (!run) await installAndCommit(docker, stack.runImage, set.run, images.run, log);
      if (!build) await installAndCommit(docker, stack.buildImage, [...set.run, ...set.build], images.build, log);
      run = await inspectLocalImage(docker, images.run);
      build = await inspectLocalImage(docker, images.build);
      if (!run || !build) throw new StackError(`${images.run} or ${images.build} missing right after it was committed`);
      await log(detail(`installed in ${formatSeconds(Date.now() - started)}`));
    }
    if (run.diffIds.length < 2) throw new StackError(`${images.run} has no layer over the stack`);
    // only the packages' own layer: the stack's are exported (and pushed) with the stack
    const [layer] = await exportImageLayers(docker, images.run, run, join(stackDir, 'layers'), (line) => void log(detail(line)), run.diffIds.length - 1);
    if (!layer) throw new StackError(`${images.run}: its top layer was not exported`);
    return { buildImage: images.build, layer, versions: readVersions(run.labels) };
  });
}
