// Sign-in through the provider's identity provider, for the CLI (Heroku's browser login): the
// CLI creates a session and polls it; the browser starts it, signs in at the IdP and comes
// back to the callback, which judges the IdP's claims (ssoAccountDecision, pure) and records
// the user. The poll that finds the session done gets a new API token, once.
import { SlipwayError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import { AccountDisabledError } from '../http/auth.js';
import type { UserStore } from '../store/users.js';
import type { IdentityClaims, IdentityProvider } from './oidc-client.js';
import { normalEmail } from './service.js';
import { SsoSessionError, type SessionFailure, type SsoSessions } from './sso-sessions.js';

export type SsoAccountDecision =
  | { action: 'login'; user: User; provesEmail: boolean }
  | { action: 'create'; email: string }
  | { action: 'refuse'; failure: SessionFailure };

const failureOf = (err: SlipwayError): SessionFailure => ({ id: err.id, message: err.message, status: err.status });
const refuse = (id: string, message: string, status = 403): SsoAccountDecision => ({ action: 'refuse', failure: { id, message, status } });

/** Pure: what the IdP's claims mean for the platform's accounts: log in the account of the
 *  verified email, make one (when allowed), or refuse. */
export function ssoAccountDecision(claims: IdentityClaims, existing: User | null, autoProvision: boolean): SsoAccountDecision {
  if (typeof claims.email !== 'string' || !claims.email.includes('@')) return refuse('sso_no_email', 'The identity provider gave no email address for this user: ask its administrator to release the email claim.');
  const email = normalEmail(claims.email);
  // Some providers send the flag as a string.
  if (claims.email_verified !== true && claims.email_verified !== 'true') {
    return refuse('unverified_email', `The identity provider has not verified ${email}: verify it there, then log in again.`);
  }
  if (existing) {
    if (existing.disabledAt) return { action: 'refuse', failure: failureOf(new AccountDisabledError(existing)) };
    return { action: 'login', user: existing, provesEmail: existing.emailVerifiedAt === null };
  }
  if (!autoProvision) return refuse('sso_no_account', `${email} has no account on this platform: ask an operator for one.`);
  return { action: 'create', email };
}

export interface SsoLoginOptions {
  autoProvision: boolean;
}

export type SsoPollAnswer = { status: 'pending' } | { status: 'done'; user: User; token: { id: string; token: string } };

export class SsoLogin {
  constructor(
    private readonly sessions: SsoSessions,
    private readonly idp: IdentityProvider,
    private readonly users: UserStore,
    private readonly options: SsoLoginOptions,
  ) {}

  createSession(description: string): Promise<{ id: string; pollSecret: string; expiresAt: string }> {
    return this.sessions.create(description);
  }

  /** Where the browser goes to sign in for this session (once). */
  async start(sessionId: string): Promise<URL> {
    const { url, checks } = await this.idp.authorizationRequest();
    await this.sessions.start(sessionId, checks);
    return url;
  }

  /** The IdP's answer: the user now logged in for the session, or the refusal (also kept for
   *  the polling CLI). A state that names no started session is refused outright. */
  async callback(query: URLSearchParams): Promise<User> {
    const state = query.get('state');
    const found = state ? await this.sessions.takeByState(state) : null;
    if (!found || found.session.status !== 'started') throw new SsoSessionError('This sign-in is unknown, used or expired: run the login again from the CLI.', 400);
    const { id, session } = found;
    try {
      const user = await this.account(await this.idp.identify(query, session));
      await this.sessions.finish(id, session, { userId: user.id });
      return user;
    } catch (err) {
      const known = err instanceof SlipwayError && err.expose;
      await this.sessions.finish(id, session, { error: known ? failureOf(err) : { id: 'sso_failed', message: 'The sign-in failed on the platform: try again.', status: 502 } });
      throw err;
    }
  }

  /** The session's state for the CLI holding its poll secret; done, a token made for it now. */
  async poll(sessionId: string, pollSecret: string): Promise<SsoPollAnswer> {
    const outcome = await this.sessions.poll(sessionId, pollSecret);
    if ('wait' in outcome) return { status: 'pending' };
    if ('error' in outcome) throw new SlipwayError(outcome.error.id, outcome.error.message, { status: outcome.error.status });
    const user = await this.users.get(outcome.userId);
    if (!user) throw new SsoSessionError('This account was deleted meanwhile.');
    if (user.disabledAt) throw new AccountDisabledError(user);
    const { token, info } = await this.users.issueToken(user.id, outcome.description);
    return { status: 'done', user, token: { id: info.id, token } };
  }

  private async account(claims: IdentityClaims): Promise<User> {
    const email = typeof claims.email === 'string' ? normalEmail(claims.email) : '';
    const decision = ssoAccountDecision(claims, email ? await this.users.getByEmail(email) : null, this.options.autoProvision);
    if (decision.action === 'refuse') throw new SlipwayError(decision.failure.id, decision.failure.message, { status: decision.failure.status });
    if (decision.action === 'create') return this.users.create(decision.email, false);
    if (decision.provesEmail) {
      // The IdP proved the address: a password set by whoever signed up with it unconfirmed is not theirs to keep.
      await this.users.removePassword(decision.user.id);
      return (await this.users.markEmailVerified(decision.user.id)) ?? decision.user;
    }
    return decision.user;
  }
}
