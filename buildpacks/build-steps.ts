// What every buildpack does the same way: a build container with the source and the CA bundle
// mounted, steps run in it with their output streamed and a failure told in words, the app's
// Procfile read, host directories the app user can write.
import { chown, mkdir, realpath } from 'node:fs/promises';
import { readAppFile } from './app-files.js';
import type { BuildContext } from './buildpack.js';
import { APP_DIR, APP_USER_ID, CA_PATH, ENV_DIR } from './build-layout.js';
import { buildContainerLabels, type BuildContainerSpec, type BuildMount } from './container-spec.js';
import type { BuildContainer } from './container.js';
import { withConfigVars } from './env-dir.js';
import { BuildError } from './errors.js';
import { detail, heading, LineTail } from './log.js';
import { describeProcfileProblems, parseProcfile } from './procfile.js';

/** The app's Procfile types, or null without one; invalid lines fail the build with their numbers. */
export async function readProcfile(ctx: Pick<BuildContext, 'rootFiles' | 'appDir'>): Promise<Record<string, string> | null> {
  if (!ctx.rootFiles.has('Procfile')) return null;
  const { processTypes, problems } = parseProcfile((await readAppFile(ctx.appDir, 'Procfile')).toString('utf8'));
  if (problems.length > 0) {
    throw new BuildError('The Procfile has invalid lines.', { outputTail: describeProcfileProblems(problems) });
  }
  return processTypes;
}

/** A host directory owned by the app user (build containers write to it). */
export async function appUserDirectory(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await chown(path, 1000, 1000);
  return path;
}

/**
 * A build container of `image` as the app user in /app: the source at /app (rw), the CA
 * bundle at CA_PATH (ro) and the config vars at ENV_DIR (ro), plus the buildpack's own
 * `mounts` and `env`.
 */
export async function buildContainerSpec(
  ctx: BuildContext,
  options: { image?: string; env: string[]; mounts: BuildMount[]; offline?: boolean },
): Promise<BuildContainerSpec> {
  return {
    image: options.image ?? ctx.stack.buildImage,
    user: APP_USER_ID,
    workingDir: APP_DIR,
    env: options.env,
    mounts: [
      { source: ctx.appDir, target: APP_DIR, readOnly: false },
      { source: await realpath(ctx.config.caFile), target: CA_PATH, readOnly: true },
      { source: ctx.envDir, target: ENV_DIR, readOnly: true },
      ...options.mounts,
    ],
    labels: buildContainerLabels(ctx.buildId, ctx.appName, ctx.config.labels),
    limits: ctx.config.limits,
    ...(options.offline ? { offline: true } : {}),
  };
}

/**
 * Runs one build step with the app's config vars in its environment (from ENV_DIR, as
 * Heroku's buildpacks export them); a failure becomes a BuildError with the step's last lines.
 * `observe` sees every output line (e.g. to recognise an error that scrolled out of the tail).
 */
export async function runStep(
  ctx: BuildContext,
  container: BuildContainer,
  title: string,
  argv: string[],
  failure: string,
  options: { exportConfigVars?: boolean; observe?: (line: string) => void } = {},
): Promise<void> {
  ctx.log(heading(title));
  ctx.log(detail(`$ ${argv.join(' ')}`));
  const tail = new LineTail(20);
  const { exitCode } = await container.run(
    options.exportConfigVars === false ? argv : withConfigVars(argv),
    (line) => {
      tail.push(line);
      options.observe?.(line);
      return ctx.log(detail(line));
    },
    ctx.config.log.maxLineBytes,
  );
  if (container.stopped) throw new BuildError(container.stopped, { outputTail: tail.get(), tailLogged: true });
  // SIGKILLed (137) at the memory limit: the kernel's OOM killer, not a bug in the app.
  if (exitCode === 137 && (await container.reachedMemoryLimit())) {
    throw new BuildError(`${failure}: it ran out of memory (the build's limit is ${ctx.config.limits.memoryMb} MB).`, {
      outputTail: tail.get(),
      tailLogged: true,
    });
  }
  if (exitCode !== 0) throw new BuildError(`${failure} (exit code ${exitCode}).`, { outputTail: tail.get(), tailLogged: true });
}
