// Every buildpack, in order of precedence: the first whose detect() says yes builds the app.
// Adding a language is a folder beside nodejs/ and one line in LANGUAGES.
import type { Buildpack } from './buildpack.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';
import { staticSiteBuildpack } from './static/index.js';

/** Language buildpacks, in Heroku's detect order. */
const LANGUAGES: readonly Buildpack[] = [NODEJS_BUILDPACK];

/**
 * A static.json makes an app a static site before any language claims it (that language then
 * builds the site as the static buildpack's first step); a bare index.html, only when none does.
 */
export const BUILDPACKS: readonly Buildpack[] = [staticSiteBuildpack(LANGUAGES), ...LANGUAGES];
