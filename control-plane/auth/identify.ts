// Who a request is, from its Authorization header: the one check behind both the Platform API
// and git over HTTP, each of which says the outcome in its own way (JSON errors, plain text).
import { parseToken } from '../../common/api-token.js';
import type { User } from '../../common/types.js';
import type { UserStore } from '../store/users.js';
import { credentialsFromHeader } from './credentials.js';

export type Identity =
  | { outcome: 'no-token' }
  | { outcome: 'invalid-token' }
  /** a valid token of an account an operator has disabled */
  | { outcome: 'disabled'; user: User }
  /** `tokenId`: the token presented (streams it opens end when it is revoked) */
  | { outcome: 'user'; user: User; tokenId: string };

export async function identify(users: UserStore, authorization: string | undefined): Promise<Identity> {
  const token = credentialsFromHeader(authorization);
  if (!token) return { outcome: 'no-token' };
  const user = await users.authenticate(token);
  if (!user) return { outcome: 'invalid-token' };
  if (user.disabledAt) return { outcome: 'disabled', user };
  return { outcome: 'user', user, tokenId: parseToken(token)!.id };
}
