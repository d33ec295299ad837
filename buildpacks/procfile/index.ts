// Apps that need no language build: a Procfile whose commands use what the stack already has
// (bash, coreutils, perl). The last resort in the list, so any language's files win over it.
import { SYSTEM_PATH } from '../build-layout.js';
import type { Buildpack, BuildContext, BuildpackOutput } from '../buildpack.js';
import { readProcfile } from '../build-steps.js';
import { detail, heading } from '../log.js';

async function buildProcfileApp(ctx: BuildContext): Promise<BuildpackOutput> {
  const processTypes = (await readProcfile(ctx)) ?? {};
  ctx.log(heading('Nothing to build'));
  ctx.log(detail('The Procfile\'s commands run as they are, with what the stack has (bash, coreutils, perl).'));
  return { processTypes, contributed: [], env: [`PATH=/app/bin:${SYSTEM_PATH}`, 'HOME=/app', 'LANG=C.UTF-8'], versions: {} };
}

export const PROCFILE_BUILDPACK: Buildpack = {
  id: 'slipway/procfile',
  language: 'Procfile-only',
  needs: 'a Procfile and nothing else to build (its commands use what the stack has)',
  detect: (rootFiles) => rootFiles.has('Procfile'),
  build: buildProcfileApp,
};
