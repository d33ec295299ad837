// The static site buildpack's entry in the buildpack list. It is given the language
// buildpacks: an index.html alone is a site only when none of them claims the app, and with
// static.json the one that does builds the site first.
import type { Buildpack } from '../buildpack.js';
import { buildStaticSite } from './buildpack.js';
import { buildStepFor, detectStaticSite } from './plan.js';

export function staticSiteBuildpack(languages: readonly Buildpack[]): Buildpack {
  return {
    id: 'slipway/static',
    language: 'Static site',
    needs: 'a static.json (after any other language\'s build), or an index.html at the root and no other language\'s files',
    detect: (rootFiles) => detectStaticSite(rootFiles, languages),
    build: (ctx) => buildStaticSite(ctx, buildStepFor(ctx.rootFiles, languages)),
  };
}
