// The Go buildpack's entry in the buildpack list.
import type { Buildpack } from '../buildpack.js';
import { buildGo } from './buildpack.js';

export const GO_BUILDPACK: Buildpack = {
  id: 'slipway/go',
  language: 'Go',
  needs: 'a go.mod at the root of the repository',
  detect: (rootFiles) => rootFiles.has('go.mod'),
  build: buildGo,
};
