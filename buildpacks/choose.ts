// Which buildpacks build an app (pure): the ones it installed (`slipway buildpacks:set`), in
// order, else the first built-in one that detects it. Heroku's rules: an explicit buildpack
// must still accept the app; a list that cannot be fetched is the user's to fix.
import type { Buildpack } from './buildpack.js';
import {
  buildpackListProblems,
  builtinNames,
  parseBuildpackReference,
  type BuildpackReference,
  type BuildpackRegistry,
  type RemoteBuildpack,
} from './classic/reference.js';
import { detectBuildpack, NO_BUILDPACK_REASON, noBuildpackHint } from './detect.js';
import { BuildError } from './errors.js';
import { BUILDPACKS } from './list.js';

export type Chosen = { kind: 'builtin'; buildpack: Buildpack } | { kind: 'classic'; references: RemoteBuildpack[] };

/** Which buildpacks build the app: its installations, else the first built-in one that detects it. */
export function chooseBuildpacks(
  installed: readonly string[],
  rootFiles: ReadonlySet<string>,
  registry: BuildpackRegistry,
  buildpacks: readonly Buildpack[] = BUILDPACKS,
): Chosen {
  if (installed.length === 0) {
    const buildpack = detectBuildpack(rootFiles, buildpacks);
    if (!buildpack) throw new BuildError(NO_BUILDPACK_REASON, { outputTail: noBuildpackHint(buildpacks) });
    return { kind: 'builtin', buildpack };
  }
  const references = installed.map((text) => parseBuildpackReference(text, builtinNames(buildpacks), registry));
  const problems = buildpackListProblems(references);
  if (problems.length > 0) {
    throw new BuildError(`The app's buildpacks cannot be used: ${problems.join('; ')}.`, {
      outputTail: ['Change them with `slipway buildpacks:set URL` or `slipway buildpacks:clear`.'],
    });
  }
  const resolved = references as BuildpackReference[];
  const first = resolved[0]!;
  if (first.kind === 'builtin') {
    // Heroku's rule for an explicit list: the buildpack must still accept the app.
    if (!first.buildpack.detect(rootFiles)) {
      throw new BuildError(`App not compatible with buildpack: ${first.name}.`, { outputTail: [`${first.buildpack.language} needs ${first.buildpack.needs}.`] });
    }
    return { kind: 'builtin', buildpack: first.buildpack };
  }
  return { kind: 'classic', references: resolved as RemoteBuildpack[] };
}
