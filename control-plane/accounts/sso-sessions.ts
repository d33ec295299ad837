// Pending browser logins (`slipway login --sso`): the CLI creates one and polls it with its poll
// secret while the browser goes through the identity provider. Each is a small state machine
// (pure, below) kept as JSON in Redis under the hash of its id, expiring with its key; the
// authorization request's state points at it under its own hash, used once (GETDEL).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hashSecret, secretMatches } from '../../common/api-token.js';
import { SlipwayError } from '../../common/errors.js';

/** What the IdP round trip needs back at the callback (PKCE verifier, state, nonce). */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SessionFailure {
  id: string;
  message: string;
  status: number;
}

export type SsoSessionStep =
  | { status: 'pending' }
  | ({ status: 'started' } & AuthorizationChecks)
  | { status: 'done'; userId: string }
  | { status: 'failed'; error: SessionFailure };

export type SsoSession = SsoSessionStep & {
  pollSecretHash: string;
  /** The new token's description (which CLI on which machine asked). */
  description: string;
  expiresAt: string;
};

export class SsoSessionError extends SlipwayError {
  constructor(message: string, status = 404) {
    super('sso_session_invalid', message, { status });
  }
}

const unknown = () => new SsoSessionError('This login is unknown, used or expired: run the login again.');

/** Pure: the session once its browser leaves for the IdP; a start URL works once. */
export function started(session: SsoSession, checks: AuthorizationChecks): SsoSession {
  if (session.status !== 'pending') throw new SsoSessionError('This login was already opened in a browser: run the login again.', 409);
  return { pollSecretHash: session.pollSecretHash, description: session.description, expiresAt: session.expiresAt, status: 'started', ...checks };
}

/** Pure: the session once the IdP's answer is judged: a user to log in, or why not. */
export function finished(session: SsoSession, outcome: { userId: string } | { error: SessionFailure }): SsoSession {
  if (session.status !== 'started') throw unknown();
  const base = { pollSecretHash: session.pollSecretHash, description: session.description, expiresAt: session.expiresAt };
  return 'userId' in outcome ? { ...base, status: 'done', userId: outcome.userId } : { ...base, status: 'failed', error: outcome.error };
}

/** Pure: what a poll gets: keep waiting, the user to issue a token to (the session is then
 *  used up), or the failure (likewise). */
export function pollOutcome(session: SsoSession): { wait: true } | { userId: string; description: string } | { error: SessionFailure } {
  if (session.status === 'done') return { userId: session.userId, description: session.description };
  if (session.status === 'failed') return { error: session.error };
  return { wait: true };
}

const sessionKey = (id: string) => `slipway:sso:session:${hashSecret(id)}`;
const stateKey = (state: string) => `slipway:sso:state:${hashSecret(state)}`;
const secret = () => randomBytes(24).toString('base64url');

// Replaces the session only if it is still what the caller read (two browsers, two polls).
const SWAP = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end return false`;

export class SsoSessions {
  constructor(
    private readonly redis: Redis,
    readonly ttlSeconds: number,
  ) {}

  async create(description: string): Promise<{ id: string; pollSecret: string; expiresAt: string }> {
    const id = secret();
    const pollSecret = secret();
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000).toISOString();
    const session: SsoSession = { status: 'pending', pollSecretHash: hashSecret(pollSecret), description, expiresAt };
    await this.redis.set(sessionKey(id), JSON.stringify(session), 'EX', this.ttlSeconds);
    return { id, pollSecret, expiresAt };
  }

  /** Marks the session started with these checks, and points `checks.state` at it. */
  async start(id: string, checks: AuthorizationChecks): Promise<void> {
    const read = await this.redis.get(sessionKey(id));
    if (!read) throw unknown();
    const next = started(JSON.parse(read) as SsoSession, checks);
    const ttl = await this.redis.pttl(sessionKey(id));
    if (ttl <= 0 || !(await this.swap(id, read, next))) throw unknown();
    await this.redis.set(stateKey(checks.state), id, 'PX', ttl);
  }

  /** The started session an authorization response's state names, once (a replayed or forged
   *  callback finds none). */
  async takeByState(state: string): Promise<{ id: string; session: SsoSession } | null> {
    const id = await this.redis.getdel(stateKey(state));
    const read = id ? await this.redis.get(sessionKey(id)) : null;
    return id && read ? { id, session: JSON.parse(read) as SsoSession } : null;
  }

  async finish(id: string, session: SsoSession, outcome: { userId: string } | { error: SessionFailure }): Promise<void> {
    if (!(await this.swap(id, JSON.stringify(session), finished(session, outcome)))) throw unknown();
  }

  /** For the holder of the poll secret: keep waiting, or the outcome, once (the session goes). */
  async poll(id: string, pollSecret: string): Promise<ReturnType<typeof pollOutcome>> {
    const read = await this.redis.get(sessionKey(id));
    const session = read ? (JSON.parse(read) as SsoSession) : null;
    if (!session || !secretMatches(pollSecret, session.pollSecretHash)) throw unknown();
    const outcome = pollOutcome(session);
    if ('wait' in outcome) return outcome;
    // Two polls at once: one gets the outcome.
    if ((await this.redis.getdel(sessionKey(id))) !== read) throw unknown();
    return outcome;
  }

  private async swap(id: string, expected: string, next: SsoSession): Promise<boolean> {
    return (await this.redis.eval(SWAP, 1, sessionKey(id), expected, JSON.stringify(next))) === 'OK';
  }
}
