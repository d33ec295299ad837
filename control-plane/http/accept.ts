import type { Context, Next } from 'koa';
import { SlipwayError } from '../../common/errors.js';

// Heroku clients send `Accept: application/vnd.heroku+json; version=3`, and variants of it
// that ask for the same resources with extras (`3.sdk`, `3.account-quotas`, `3.webhooks`, …);
// plain JSON is fine too.
const HEROKU = /application\/vnd\.heroku\+json;\s*version=([^\s,;]+)/i;

/** Pure: the API version an Accept header asks for and Slipway does not serve, or null. */
export function refusedVersion(accept: string): string | null {
  const match = HEROKU.exec(accept);
  if (!match) return null;
  const version = match[1]!;
  return version === '3' || version.startsWith('3.') ? null : version;
}

export async function acceptVersion(ctx: Context, next: Next): Promise<void> {
  const refused = refusedVersion(ctx.get('accept'));
  if (refused !== null) {
    throw new SlipwayError('not_acceptable', `API version ${refused} is not supported; use version=3.`, { status: 406 });
  }
  await next();
}
