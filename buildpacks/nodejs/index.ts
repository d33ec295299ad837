// The Node.js buildpack's entry in the buildpack list.
import type { Buildpack } from '../buildpack.js';
import { buildNodejs } from './buildpack.js';

export const NODEJS_BUILDPACK: Buildpack = {
  id: 'slipway/nodejs',
  language: 'Node.js',
  needs: 'a package.json at the root of the repository',
  detect: (rootFiles) => rootFiles.has('package.json'),
  build: buildNodejs,
};
