// Every buildpack, in order of precedence: the first whose detect() says yes builds the app.
// Adding a language is a folder beside nodejs/ and one line here. Heroku's order: an app with
// both package.json and requirements.txt is a Node.js app.
import type { Buildpack } from './buildpack.js';
import { GO_BUILDPACK } from './go/index.js';
import { JAVA_BUILDPACK } from './java/index.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';
import { PROCFILE_BUILDPACK } from './procfile/index.js';
import { PYTHON_BUILDPACK } from './python/index.js';

export const BUILDPACKS: readonly Buildpack[] = [
  NODEJS_BUILDPACK,
  PYTHON_BUILDPACK,
  GO_BUILDPACK,
  JAVA_BUILDPACK,
  // last: any language's files win over a bare Procfile
  PROCFILE_BUILDPACK,
];
