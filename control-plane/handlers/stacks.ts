// Stacks (Heroku's /stacks): the Debian releases apps build and run on. Any signed-in user may list them.
import Router from '@koa/router';
import { NotFoundError } from '../../common/errors.js';
import { stackJson } from '../http/representations.js';
import { spec } from '../http/api-spec.js';
import type { Services } from '../services.js';
import { findStack, STACKS } from '../stacks.js';

export function stackHandlers(services: Services): Router {
  const router = new Router();

  router.get('/stacks', spec({ summary: 'The stacks apps build and run on', response: { shape: 'StackJson', list: true } }), (ctx) => {
    ctx.body = STACKS.map((stack) => stackJson(stack, services.defaultStack));
  });

  router.get('/stacks/:stack', spec({ summary: 'One stack', response: { shape: 'StackJson' } }), (ctx) => {
    const stack = findStack(ctx.params.stack!);
    if (!stack) throw new NotFoundError(`Stack ${ctx.params.stack} not found.`);
    ctx.body = stackJson(stack, services.defaultStack);
  });

  return router;
}
