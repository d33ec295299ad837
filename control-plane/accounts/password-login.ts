// Heroku's `login -i` with a password: Basic email:password on POST /oauth/authorizations. A
// password that is an API token goes on to the token check (git-style credentials); any other
// is checked against the account's password, before the token check would refuse it.
import type { Context, Middleware, Next } from 'koa';
import { parseToken } from '../../common/api-token.js';
import { basicCredentials } from '../auth/credentials.js';
import type { Accounts } from './service.js';
import { AccountDisabledError } from '../http/auth.js';

export function passwordLogin(accounts: Accounts, limit: Middleware): Middleware {
  return async (ctx: Context, next: Next) => {
    const credentials = ctx.method === 'POST' && ctx.path === '/oauth/authorizations' ? basicCredentials(ctx.get('authorization')) : null;
    if (!credentials || parseToken(credentials.password) !== null) return next();
    // Guessing passwords costs the address its account-request budget.
    await limit(ctx, async () => {
      const user = await accounts.passwordLogin(credentials.name, credentials.password);
      if (user.disabledAt) throw new AccountDisabledError(user);
      ctx.state.user = user;
      ctx.state.tokenId = null;
      await next();
    });
  };
}
