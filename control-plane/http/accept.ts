import type { Context, Next } from 'koa';
import { SlipwayError } from '../../common/errors.js';

// Heroku clients send `Accept: application/vnd.heroku+json; version=3`; plain JSON is fine too.
const HEROKU = /application\/vnd\.heroku\+json;\s*version=(\S+)/i;

export async function acceptVersion(ctx: Context, next: Next): Promise<void> {
  const match = HEROKU.exec(ctx.get('accept'));
  if (match && match[1] !== '3') {
    throw new SlipwayError('not_acceptable', `API version ${match[1]} is not supported; use version=3.`, { status: 406 });
  }
  await next();
}
