// Every buildpack, in order of precedence: the first whose detect() says yes builds the app.
// Adding a language is a folder beside nodejs/ and one line in LANGUAGES. Heroku's order: an
// app with both package.json and requirements.txt is a Node.js app.
import type { Buildpack } from './buildpack.js';
import { GO_BUILDPACK } from './go/index.js';
import { JAVA_BUILDPACK } from './java/index.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';
import { PROCFILE_BUILDPACK } from './procfile/index.js';
import { PYTHON_BUILDPACK } from './python/index.js';
import { staticSiteBuildpack } from './static/index.js';

/** Language buildpacks, in Heroku's detect order. */
const LANGUAGES: readonly Buildpack[] = [NODEJS_BUILDPACK, PYTHON_BUILDPACK, GO_BUILDPACK, JAVA_BUILDPACK];

export const BUILDPACKS: readonly Buildpack[] = [
  // first for a static.json (the language that detects the app builds the site as its first
  // step); for a bare index.html only when no language claims the app
  staticSiteBuildpack(LANGUAGES),
  ...LANGUAGES,
  // last: any language's files win over a bare Procfile
  PROCFILE_BUILDPACK,
];
