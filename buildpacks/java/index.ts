// The Java buildpack's entry in the buildpack list.
import type { Buildpack } from '../buildpack.js';
import { buildJava } from './buildpack.js';
import { javaBuildTool } from './plan.js';

export const JAVA_BUILDPACK: Buildpack = {
  id: 'slipway/java',
  language: 'Java',
  needs: 'a pom.xml at the root of the repository (Maven; a Gradle build is recognised but cannot be built here)',
  detect: (rootFiles) => javaBuildTool(rootFiles) !== null,
  build: buildJava,
};
