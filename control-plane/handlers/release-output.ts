// Heroku's `output_stream_url` of a release: what its release phase printed, as text, followed
// live while the release is pending. The CLI fetches it without credentials (`heroku
// releases:output`), so the URL carries the release's own secret instead.
import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import type { Release } from '../../common/types.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

export const RELEASE_OUTPUT_PATH = '/release-output';
const POLL_MS = 500;

/** Pure: the output URL of a release, when it has a release phase. */
export function releaseOutputUrl(origin: string, release: Pick<Release, 'appId' | 'version' | 'outputSecret'>): string | null {
  return release.outputSecret ? `${origin}${RELEASE_OUTPUT_PATH}/${release.appId}/${release.version}/${release.outputSecret}` : null;
}

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

export function releaseOutputHandlers(services: Services): Router {
  const router = new Router();
  router.get(`${RELEASE_OUTPUT_PATH}/:appId/:version/:secret`, spec({ summary: 'A release phase’s output, followed while it runs (the URL is the credential)', response: { stream: 'text' } }), async (ctx) => {
    const { appId, secret } = ctx.params as { appId: string; secret: string };
    const version = Number(ctx.params.version);
    const release = Number.isInteger(version) && version > 0 ? await services.releases.get(appId, version) : null;
    if (!release?.outputSecret || !sameSecret(release.outputSecret, secret)) throw new NotFoundError("Couldn't find that release output.");
    const deadline = Date.now() + (services.releasePhaseTimeoutSeconds + 60) * 1000;
    async function* lines() {
      let from = 0;
      for (;;) {
        // Read the status first: output written before it settled is all there on the next read.
        const settled = (await services.releases.get(appId, version))?.status !== 'pending';
        const next = await services.releaseOutputs.read(appId, version, from);
        from += next.length;
        if (next.length > 0) yield `${next.join('\n')}\n`;
        if (settled || Date.now() > deadline || ctx.req.destroyed) return;
        await sleep(POLL_MS);
      }
    }
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Readable.from(lines());
  });
  return router;
}
