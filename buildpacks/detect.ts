// Which buildpack builds an app, decided from the files at the root of its source (pure).

export interface BuildpackDetector {
  /** stable id recorded on the build */
  id: string;
  /** what the log says: "Node.js app detected" */
  language: string;
  detect(rootFiles: ReadonlySet<string>): boolean;
}

export const NODEJS_BUILDPACK: BuildpackDetector = {
  id: 'slipway/nodejs',
  language: 'Node.js',
  detect: (rootFiles) => rootFiles.has('package.json'),
};

/** In order of precedence. */
export const BUILDPACKS: readonly BuildpackDetector[] = [NODEJS_BUILDPACK];

export function detectBuildpack(
  rootFiles: ReadonlySet<string>,
  buildpacks: readonly BuildpackDetector[] = BUILDPACKS,
): BuildpackDetector | null {
  return buildpacks.find((buildpack) => buildpack.detect(rootFiles)) ?? null;
}

/** Heroku's wording, so users find the usual answers. */
export const NO_BUILDPACK_REASON = 'No default language could be detected for this app.';

export function noBuildpackHint(buildpacks: readonly BuildpackDetector[] = BUILDPACKS): string[] {
  return [
    'HINT: This occurs when Slipway cannot detect the buildpack to use for this application automatically.',
    `Supported: ${buildpacks.map((b) => `${b.language} (${b.id})`).join(', ')}. A Node.js app needs a package.json at the root of the repository.`,
  ];
}
