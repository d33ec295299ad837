// Every buildpack, in order of precedence: the first whose detect() says yes builds the app.
// Adding a language is a folder beside nodejs/ and one line here.
import type { Buildpack } from './buildpack.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';
import { PROCFILE_BUILDPACK } from './procfile/index.js';

export const BUILDPACKS: readonly Buildpack[] = [
  NODEJS_BUILDPACK,
  // last: any language's files win over a bare Procfile
  PROCFILE_BUILDPACK,
];
