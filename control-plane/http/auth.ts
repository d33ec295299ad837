import type { Context, Next } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { credentialsFromHeader } from '../auth/credentials.js';
import type { UserStore } from '../store/users.js';

export interface AuthState {
  user: User;
}

/** Requires a valid token (Bearer, or Basic with the token as password) and sets ctx.state.user. */
export function authenticate(users: UserStore) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const token = credentialsFromHeader(ctx.get('authorization') || undefined);
    if (!token) throw new UnauthorizedError('Authentication required: send Authorization: Bearer <token>.');
    const user = await users.authenticate(token);
    if (!user) throw new UnauthorizedError('Invalid credentials provided.');
    ctx.state.user = user;
    await next();
  };
}

export async function requireAdmin(ctx: Context, next: Next): Promise<void> {
  if (!(ctx.state.user as User | undefined)?.admin) throw new ForbiddenError('This action is for operators only.');
  await next();
}
