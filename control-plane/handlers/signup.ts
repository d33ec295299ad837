// Accounts before there is a token: sign-up, email confirmation, password reset. Each answer
// is the same whether or not the email has an account; requests count per client address.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';
import type { AccountMessageJson } from '../../common/api-shapes.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/passwords.js';
import { accountJson } from '../http/representations.js';
import { bodyOf, queryOf, spec } from '../http/api-spec.js';
import type { Services } from '../services.js';

const email = z.string().trim().email().max(254);
const password = z.string().max(MAX_PASSWORD_LENGTH);
const signup = z.object({ email, password, invitation: z.string().max(100).optional() });
const verify = z.object({ token: z.string().min(1).max(100) });
const resetRequest = z.object({ email });
/** Heroku's password reset finalize. */
const resetFinalize = z.object({ password, password_confirmation: password.optional() });

export function signupHandlers(services: Services, before: Middleware[]): Router {
  const router = new Router();
  router.use(...before);

  router.post('/signup', spec({ summary: 'Signs up (when the operator allows it): an email confirms the address', body: signup, response: { shape: 'AccountMessageJson', status: 202 } }), async (ctx) => {
    const input = bodyOf(ctx, signup);
    await services.accounts.signUp(input);
    ctx.status = 202;
    ctx.body = { message: `Check ${input.email.trim().toLowerCase()} for a link that confirms the address.` } satisfies AccountMessageJson;
  });

  router.get('/signup/verify', spec({ summary: 'Confirms an email address (the link a sign-up mails)', query: verify, response: { shape: 'AccountMessageJson' } }), async (ctx) => {
    const query = queryOf(ctx, verify);
    if (!query.success) throw new InvalidParamsError('token is the one the confirmation email gives.');
    const user = await services.accounts.verifyEmail(query.data.token);
    ctx.body = { message: `${user.email} is confirmed: log in with your email and password.` } satisfies AccountMessageJson;
  });

  router.post('/password-resets', spec({ summary: 'Mails a password reset to the account of an email, if there is one', body: resetRequest, response: { shape: 'AccountMessageJson', status: 202 } }), async (ctx) => {
    const { email: given } = bodyOf(ctx, resetRequest);
    await services.accounts.requestPasswordReset(given);
    ctx.status = 202;
    ctx.body = { message: `If ${given} has an account, an email is on its way with what to do.` } satisfies AccountMessageJson;
  });

  router.post('/password-resets/:token/actions/finalize', spec({ summary: 'Sets a new password with the secret a reset mailed', body: resetFinalize, response: { shape: 'AccountJson' } }), async (ctx) => {
    const body = bodyOf(ctx, resetFinalize);
    if (body.password_confirmation !== undefined && body.password_confirmation !== body.password) throw new InvalidParamsError('password_confirmation differs from password.');
    ctx.body = accountJson(await services.accounts.resetPassword(ctx.params.token!, body.password));
  });

  return router;
}
