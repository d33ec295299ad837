import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { requireAdmin } from '../http/auth.js';
import { accountJson, tokenJson } from '../http/representations.js';
import { validateBody } from '../http/validate.js';
import type { Services } from '../services.js';

const newToken = z.object({ description: z.string().max(200).default('') });
const newUser = z.object({ email: z.string().email(), admin: z.boolean().default(false) });


export function accountHandlers(services: Services): Router {
  const router = new Router();

  router.get('/account', (ctx) => {
    ctx.body = accountJson(ctx.state.user as User);
  });

  router.get('/account/tokens', async (ctx) => {
    ctx.body = (await services.users.listTokens((ctx.state.user as User).id)).map(tokenJson);
  });

  // The new token's plaintext appears in this response only.
  router.post('/account/tokens', async (ctx) => {
    const { description } = validateBody(newToken, ctx.request.body);
    const { token, info } = await services.users.issueToken((ctx.state.user as User).id, description);
    ctx.status = 201;
    ctx.body = { ...tokenJson(info), token };
  });

  router.delete('/account/tokens/:id', async (ctx) => {
    const revoked = await services.users.revokeToken((ctx.state.user as User).id, ctx.params.id!);
    if (!revoked) throw new NotFoundError(`Couldn't find that token (${ctx.params.id}).`);
    ctx.body = { id: ctx.params.id };
  });

  // Operators create users; each user gets a first token.
  router.post('/users', requireAdmin, async (ctx) => {
    const { email, admin } = validateBody(newUser, ctx.request.body);
    const user = await services.users.create(email, admin);
    const { token } = await services.users.issueToken(user.id, 'first token');
    ctx.status = 201;
    ctx.body = { ...accountJson(user), token };
  });

  router.get('/users', requireAdmin, async (ctx) => {
    ctx.body = (await services.users.list()).map(accountJson);
  });

  return router;
}
