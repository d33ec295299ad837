import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { hashSecret, issueToken, parseToken, secretMatches } from '../../common/api-token.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

interface StoredToken {
  id: string;
  userId: string;
  hash: string;
  description: string;
  createdAt: string;
}

export interface TokenInfo {
  id: string;
  description: string;
  createdAt: string;
}

export class UserStore {
  constructor(
    private readonly redis: Redis,
    /** the start of the tokens it issues (the provider's brand) */
    private readonly tokenPrefix = 'slw',
  ) {}

  /** `unverified`: a self-service sign-up, whose email is not proved yet. */
  async create(email: string, admin: boolean, options: { unverified?: boolean } = {}): Promise<User> {
    const user: User = { id: randomUUID(), email, admin, createdAt: now(), ...(options.unverified ? { emailVerifiedAt: null } : {}) };
    const claimed = await this.redis.set(keys.userByEmail(email), user.id, 'NX');
    if (claimed !== 'OK') throw new ConflictError(`a user with email ${email} already exists`);
    await this.redis.multi().set(keys.user(user.id), JSON.stringify(user)).sadd(keys.users, user.id).exec();
    return user;
  }

  get(id: string): Promise<User | null> {
    return getJson<User>(this.redis, keys.user(id));
  }

  async getByEmail(email: string): Promise<User | null> {
    const id = await this.redis.get(keys.userByEmail(email));
    return id ? this.get(id) : null;
  }

  /** A user by email or id (how operators name users, as Heroku's `account_email_or_id`). */
  async find(emailOrId: string): Promise<User | null> {
    return emailOrId.includes('@') ? this.getByEmail(emailOrId) : this.get(emailOrId);
  }

  /**
   * Disables or enables an account. Every request reads the user record, so a disabled user's
   * tokens are refused from the next request on; they work again once it is enabled.
   */
  async setDisabled(userId: string, disabled: boolean): Promise<User | null> {
    // Read-modify-write: nothing else rewrites a user record, and of two operators' concurrent
    // changes the last one wins, as it would a moment later.
    const user = await this.get(userId);
    if (!user) return null;
    const updated: User = { ...user, disabledAt: disabled ? (user.disabledAt ?? now()) : null };
    await this.redis.set(keys.user(userId), JSON.stringify(updated));
    return updated;
  }

  async markEmailVerified(userId: string): Promise<User | null> {
    const user = await this.get(userId);
    if (!user) return null;
    const updated: User = { ...user, emailVerifiedAt: user.emailVerifiedAt ?? now() };
    await this.redis.set(keys.user(userId), JSON.stringify(updated));
    return updated;
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.redis.set(keys.userPassword(userId), hash);
  }

  async removePassword(userId: string): Promise<void> {
    await this.redis.del(keys.userPassword(userId));
  }

  /** The account's password hash, or null when it has none (operator-made accounts log in with tokens). */
  passwordHash(userId: string): Promise<string | null> {
    return this.redis.get(keys.userPassword(userId));
  }

  /** Removes the account's record, email, password and team index (its tokens are revoked first, by the caller). */
  async delete(user: User): Promise<void> {
    const multi = this.redis.multi().del(keys.user(user.id), keys.userPassword(user.id), keys.userTokens(user.id), keys.userTeams(user.id)).srem(keys.users, user.id);
    await multi.exec();
    // The email index last, and only if it still names this account.
    if ((await this.redis.get(keys.userByEmail(user.email))) === user.id) await this.redis.del(keys.userByEmail(user.email));
  }

  /** The users with these ids that exist, by email. */
  async getMany(ids: readonly string[]): Promise<User[]> {
    return (await getManyJson<User>(this.redis, ids.map(keys.user))).sort((a, b) => a.email.localeCompare(b.email));
  }

  async list(): Promise<User[]> {
    const ids = await this.redis.smembers(keys.users);
    const users = await Promise.all(ids.map((id) => this.get(id)));
    return users.filter((u): u is User => u !== null);
  }

  /** Issues a new token for the user; the plaintext is returned once and never stored. */
  async issueToken(userId: string, description: string): Promise<{ token: string; info: TokenInfo }> {
    const issued = issueToken(this.tokenPrefix);
    const stored: StoredToken = { id: issued.id, userId, hash: issued.hash, description, createdAt: now() };
    await this.redis
      .multi()
      .set(keys.token(issued.id), JSON.stringify(stored))
      .sadd(keys.userTokens(userId), issued.id)
      .exec();
    return { token: issued.token, info: { id: stored.id, description, createdAt: stored.createdAt } };
  }

  /** Registers a token whose plaintext the operator already holds (the bootstrap admin token). */
  /**
   * Makes a token generated elsewhere (the bootstrap admin token) one of the user's, the first
   * time only: a token adopted before and since revoked is not brought back by the next start.
   */
  async adoptTokenOnce(userId: string, token: string, description: string): Promise<'adopted' | 'adopted before'> {
    const parsed = parseToken(token);
    if (!parsed) throw new Error('bootstrap token is not a Slipway token (slw_<16 hex>_<43 base64url>)');
    if ((await this.redis.sadd(keys.adoptedTokens, parsed.id)) === 0) return 'adopted before';
    if (await this.authenticate(token)) return 'adopted'; // by a version that kept no record of it
    const stored: StoredToken = { id: parsed.id, userId, hash: hashSecret(parsed.secret), description, createdAt: now() };
    await this.redis
      .multi()
      .set(keys.token(parsed.id), JSON.stringify(stored))
      .sadd(keys.userTokens(userId), parsed.id)
      .exec();
    return 'adopted';
  }

  /** The user a presented token belongs to, or null (unknown, revoked, malformed or wrong secret). */
  async authenticate(token: string): Promise<User | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const stored = await getJson<StoredToken>(this.redis, keys.token(parsed.id));
    if (!stored || !secretMatches(parsed.secret, stored.hash)) return null;
    return this.get(stored.userId);
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const ids = await this.redis.smembers(keys.userTokens(userId));
    const tokens = await Promise.all(ids.map((id) => getJson<StoredToken>(this.redis, keys.token(id))));
    return tokens
      .filter((t): t is StoredToken => t !== null)
      .map(({ id, description, createdAt }) => ({ id, description, createdAt }));
  }

  /** Revokes every token the user has; returns the ones revoked. */
  async revokeAllTokens(userId: string): Promise<TokenInfo[]> {
    const tokens = await this.listTokens(userId);
    if (tokens.length === 0) return [];
    const ids = tokens.map((t) => t.id);
    await this.redis
      .multi()
      .srem(keys.userTokens(userId), ...ids)
      .del(...ids.map((id) => keys.token(id)))
      .exec();
    return tokens;
  }

  /** Revokes one of the user's tokens; returns false when the user has no such token. */
  async revokeToken(userId: string, tokenId: string): Promise<boolean> {
    const removed = await this.redis.srem(keys.userTokens(userId), tokenId);
    if (removed === 0) return false;
    await this.redis.del(keys.token(tokenId));
    return true;
  }
}
