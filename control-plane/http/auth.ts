import type { Context, Next } from 'koa';
import { ForbiddenError, SlipwayError, UnauthorizedError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { disabledAccountMessage } from '../auth/credentials.js';
import { identify } from '../auth/identify.js';
import type { UserStore } from '../store/users.js';

/** A valid token of an account an operator has disabled (Heroku answers a suspended account with 403 too). */
export class AccountDisabledError extends SlipwayError {
  override name = 'AccountDisabledError';
  constructor(user: Pick<User, 'email'>) {
    super('account_disabled', disabledAccountMessage(user), { status: 403 });
  }
}

export interface AuthState {
  user: User;
  /** The id of the token the request presented (streams it opens end when it is revoked). */
  tokenId: string;
}

/** Requires a valid token (Bearer, or Basic with the token as password) and sets ctx.state.user. */
export function authenticate(users: UserStore) {
  return async (ctx: Context, next: Next): Promise<void> => {
    // Already known by an account password (accounts/password-login.ts, `login -i` only).
    if (ctx.state.user) return next();
    const identity = await identify(users, ctx.get('authorization') || undefined);
    if (identity.outcome === 'no-token') throw new UnauthorizedError('Authentication required: send Authorization: Bearer <token>.');
    if (identity.outcome === 'invalid-token') throw new UnauthorizedError('Invalid credentials provided.');
    if (identity.outcome === 'disabled') throw new AccountDisabledError(identity.user);
    ctx.state.user = identity.user;
    ctx.state.tokenId = identity.tokenId;
    await next();
  };
}

export async function requireAdmin(ctx: Context, next: Next): Promise<void> {
  if (!(ctx.state.user as User | undefined)?.admin) throw new ForbiddenError('This action is for operators only.');
  await next();
}
