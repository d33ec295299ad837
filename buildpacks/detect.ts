// Which buildpack builds an app, decided from the files at the root of its source (pure).
import type { Buildpack } from './buildpack.js';
import { BUILDPACKS } from './list.js';

export function detectBuildpack(rootFiles: ReadonlySet<string>, buildpacks: readonly Buildpack[] = BUILDPACKS): Buildpack | null {
  return buildpacks.find((buildpack) => buildpack.detect(rootFiles)) ?? null;
}

/** Heroku's wording, so users find the usual answers. */
export const NO_BUILDPACK_REASON = 'No default language could be detected for this app.';

export function noBuildpackHint(buildpacks: readonly Buildpack[] = BUILDPACKS): string[] {
  return [
    'HINT: This occurs when Slipway cannot detect the buildpack to use for this application automatically.',
    `Built-in buildpacks: ${buildpacks.map((b) => `${b.language} (${b.id}), which needs ${b.needs}`).join('; ')}.`,
    'To choose one, or a classic buildpack by its git or tarball URL: slipway buildpacks:set <buildpack> -a <app>',
    // their package registries (RubyGems, Packagist, ...) are not among those builds reach here
    'Ruby, PHP and other languages have no built-in buildpack on this platform: use a classic buildpack for them.',
    `(Heroku's names work too: ${buildpacks.map((b) => b.id.replace(/^[^/]+\//, 'heroku/')).join(', ')}.)`,
  ];
}
