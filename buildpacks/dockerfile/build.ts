// A Docker build: the app's Dockerfile built with BuildKit (the Docker CLI's `docker build`
// against the platform's engine), its output streamed into the push, the image pushed to the
// platform registry under the build id. The stack's images are there to build FROM, as
// `slipway/stack:<name>` and `slipway/stack:<name>-build`.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { followProgress, pushedDigest } from '../../common/docker-progress.js';
import { appRepository } from '../../common/image-reference.js';
import { APP_IMAGE_LABELS } from '../../common/labels.js';
import { readAppFile } from '../app-files.js';
import type { BuildContext } from '../buildpack.js';
import { readProcfile } from '../build-steps.js';
import { BuildError } from '../errors.js';
import { detail, heading, LineTail } from '../log.js';
import { engineAuthConfig } from '../registry-access.js';
import { dockerBuildArgv, dockerProcessTypes, imageCommand, mirrorBaseImages, scopeCacheMounts, unpullableBase, type HerokuYml } from './plan.js';
import { killedForMemory, limitBuildSteps, StepLimitsError } from './step-limits.js';

export interface DockerBuildResult {
  image: { repository: string; digest: string };
  processTypes: Record<string, string>;
}

/** The local names the stack's images are offered under to FROM lines. */
export function stackAliases(stackName: string): { run: string; build: string } {
  return { run: `slipway/stack:${stackName}`, build: `slipway/stack:${stackName}-build` };
}

/** Runs `docker build`, streaming its lines; resolves with the last lines when it fails. */
function runDockerBuild(cli: string, argv: string[], log: (line: string) => void, timeoutSeconds: number, signal?: AbortSignal): Promise<{ ok: boolean; tail: string[]; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_BUILDKIT: '1', HOME: '/nonexistent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = new LineTail(25);
    let output = '';
    let timedOut = false;
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutSeconds * 1000);
    signal?.addEventListener('abort', kill, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        tail.push(line);
        if (output.length < 64 * 1024) output += `${line}\n`;
        log(detail(line));
      });
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ ok: code === 0, tail: tail.get(), output, timedOut });
    });
  });
}

export async function buildDockerfile(ctx: BuildContext, dockerfile: string, herokuYml: HerokuYml | null): Promise<DockerBuildResult> {
  const { docker, config, stack, log } = ctx;
  if (!ctx.rootFiles.has(dockerfile.split('/')[0]!)) throw new BuildError(`${dockerfile} was not found in the app's root.`);
  log(heading(`Building the Dockerfile${dockerfile === 'Dockerfile' ? '' : ` ${dockerfile}`} with BuildKit`));

  // The app's cache mounts are its own on the shared engine.
  const dockerfilePath = join(ctx.appDir, dockerfile);
  const text = (await readAppFile(ctx.appDir, dockerfile)).toString('utf8');
  const aliases = stackAliases(stack.name);
  const scoped = scopeCacheMounts(text, `slipway-app-${ctx.appCacheDir.split('/').at(-1)}`);
  const isStack = (reference: string) => reference === aliases.run || reference === aliases.build;
  await writeFile(dockerfilePath, config.dockerBaseMirror ? mirrorBaseImages(scoped, config.dockerBaseMirror, isStack) : scoped);

  await docker.getImage(stack.runImage).tag(splitTag(aliases.run));
  await docker.getImage(stack.buildImage).tag(splitTag(aliases.build));

  const repository = appRepository(ctx.appName, config.appRepositoryPrefix);
  const tag = `${config.registry}/${repository}:${ctx.buildId}`;
  const argv = dockerBuildArgv({
    contextDir: ctx.appDir,
    dockerfile: dockerfilePath,
    tag,
    buildArgs: herokuYml?.buildArgs ?? {},
    labels: { ...config.labels, [APP_IMAGE_LABELS.app]: ctx.appName, [APP_IMAGE_LABELS.buildId]: ctx.buildId },
  });
  const { memoryMb, cpus, timeoutSeconds } = config.limits;
  const stepsLimited = await ctx.timer.time('docker-build-queue', () => limitBuildSteps(docker, config.limits)).catch((err: unknown) => {
    if (err instanceof StepLimitsError) throw new BuildError(`Dockerfile builds cannot run on this platform: ${err.message}.`);
    throw BuildError.internal(err);
  });
  const run = await ctx.timer
    .time('docker-build', () => runDockerBuild(config.dockerCli, argv, log, timeoutSeconds, ctx.signal))
    .catch((err: unknown) => {
      throw BuildError.internal(err);
    })
    .finally(() => stepsLimited.release());
  if (!run.ok) {
    if (run.timedOut) throw new BuildError(`The Docker build took longer than ${timeoutSeconds} s and was stopped.`, { tailLogged: true });
    if (killedForMemory(run.output)) throw new BuildError(`A RUN step was killed (exit code 137): the build's steps may use ${memoryMb} MB of memory and ${cpus} CPU in all.`, { tailLogged: true });
    const base = unpullableBase(run.output);
    if (base) throw new BuildError(`The base image ${base} could not be pulled: use one the platform offers (${aliases.run}, ${aliases.build}) or one from the operator's registry mirror.`, { tailLogged: true });
    throw new BuildError('The Docker build failed.', { outputTail: run.tail, tailLogged: true });
  }

  try {
    log(heading('Pushing the image'));
    const image = docker.getImage(tag);
    const inspected = await image.inspect();
    // The Engine wants an X-Registry-Auth header on every push: empty for an open registry.
    const authconfig = (await engineAuthConfig(config, tag)) ?? {};
    const events = await ctx.timer.time('push', async () => followProgress(docker.modem, (await image.push({ authconfig })) as unknown as NodeJS.ReadableStream, `push ${tag}`));
    const digest = pushedDigest(events);
    if (!digest) throw new Error(`the registry did not report a digest for ${tag}`);
    await docker.getImage(tag).remove().catch(() => {});
    log(detail(`Image: ${repository}@${digest}`));
    const procfile = await readProcfile(ctx);
    return {
      image: { repository, digest },
      processTypes: dockerProcessTypes(herokuYml, procfile, imageCommand(inspected.Config)),
    };
  } catch (err) {
    if (err instanceof BuildError) throw err;
    throw BuildError.internal(err);
  }
}

/** `repo:tag` as dockerode's tag() takes it. */
function splitTag(reference: string): { repo: string; tag: string } {
  const at = reference.lastIndexOf(':');
  return { repo: reference.slice(0, at), tag: reference.slice(at + 1) };
}

/** heroku.yml, when the app has one. */
export async function readHerokuYmlText(appDir: string, rootFiles: ReadonlySet<string>): Promise<string | null> {
  return rootFiles.has('heroku.yml') ? (await readAppFile(appDir, 'heroku.yml')).toString('utf8') : null;
}
