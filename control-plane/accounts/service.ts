// Self-service accounts: sign-up under the operator's policy, email verification, password
// login and reset, invitations. Answers never tell whether an email has an account.
import { ForbiddenError, InvalidParamsError, SlipwayError, UnauthorizedError } from '../../common/errors.js';
import type { User } from '../../common/types.js';
import type { UserStore } from '../store/users.js';
import { alreadyRegisteredMail, invitationMail, MailUnavailableError, passwordResetMail, verificationMail, type AccountMailer, type MailContext } from './mail.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import { decoyHash, hashPassword, passwordMatches, passwordProblem } from './passwords.js';

export type SignupPolicy = 'open' | 'invite' | 'closed';

export interface AccountSettings {
  signup: SignupPolicy;
  verifyTtlSeconds: number;
  resetTtlSeconds: number;
  invitationTtlSeconds: number;
}

/** How long mailed links work: a confirmation a day, a reset an hour, an invitation a week. */
export const ACCOUNT_LINK_TTLS = { verifyTtlSeconds: 24 * 3600, resetTtlSeconds: 3600, invitationTtlSeconds: 7 * 24 * 3600 };

/** Pure: why a sign-up is refused under the policy, or null. */
export function signupRefusal(policy: SignupPolicy, invitedEmail: string | null, email: string): SlipwayError | null {
  if (policy === 'closed') return new SlipwayError('signup_closed', 'Sign-up is closed: ask an operator for an account.', { status: 403 });
  if (policy === 'invite' && invitedEmail !== email) {
    return new SlipwayError('invitation_required', 'Sign-up is by invitation: use the invitation sent to this email address.', { status: 403 });
  }
  return null;
}

/** Emails are compared and kept lower-case (the address's owner does not care about case). */
export const normalEmail = (email: string) => email.trim().toLowerCase();

export class UnverifiedEmailError extends SlipwayError {
  constructor(email: string) {
    super('unverified_email', `Confirm your email first: open the link we sent to ${email}.`, { status: 403 });
  }
}

export class Accounts {
  constructor(
    private readonly users: UserStore,
    private readonly secrets: OneTimeTokens,
    private readonly mailer: AccountMailer,
    private readonly settings: AccountSettings,
    private readonly mailContext: () => MailContext,
  ) {}

  get signupPolicy(): SignupPolicy {
    return this.settings.signup;
  }

  /** Checked before anything that mails, whoever asks: the answer must not depend on whether the email has an account. */
  private requireMail(): void {
    if (!this.mailer.configured) throw new MailUnavailableError();
  }

  /** A new account waiting for its email to be confirmed; the same answer (and an email saying
   *  so) when the address already has one. */
  async signUp(input: { email: string; password: string; invitation?: string }): Promise<void> {
    const email = normalEmail(input.email);
    const invited = input.invitation ? await this.secrets.peek('invitation', input.invitation) : null;
    const refusal = signupRefusal(this.settings.signup, invited, email);
    if (refusal) throw refusal;
    this.requireMail();
    const problem = passwordProblem(input.password, email);
    if (problem) throw new InvalidParamsError(problem);
    if (await this.users.getByEmail(email)) {
      await this.mailer.send(alreadyRegisteredMail(email, this.mailContext()));
      return;
    }
    const hash = await hashPassword(input.password);
    let user: User;
    try {
      user = await this.users.create(email, false, { unverified: true });
    } catch {
      // Taken meanwhile by a concurrent sign-up: the same answer as above.
      await this.mailer.send(alreadyRegisteredMail(email, this.mailContext()));
      return;
    }
    await this.users.setPasswordHash(user.id, hash);
    if (input.invitation) await this.secrets.consume('invitation', input.invitation);
    await this.sendVerification(user);
  }

  async sendVerification(user: User): Promise<void> {
    const secret = await this.secrets.issue('verify-email', user.id, this.settings.verifyTtlSeconds);
    await this.mailer.send(verificationMail(user.email, secret, this.mailContext()));
  }

  async verifyEmail(secret: string): Promise<User> {
    const userId = await this.secrets.consume('verify-email', secret);
    const user = userId ? await this.users.markEmailVerified(userId) : null;
    if (!user) throw new SlipwayError('invalid_token', 'This confirmation link is unknown, used or expired: sign up again to get a new one.', { status: 404 });
    return user;
  }

  /** The user whose email and password these are; 401 otherwise (as long for an unknown email as for a wrong password). */
  async passwordLogin(emailGiven: string, password: string): Promise<User> {
    const user = await this.users.getByEmail(normalEmail(emailGiven));
    const stored = user ? await this.users.passwordHash(user.id) : null;
    const matches = await passwordMatches(password, stored ?? (await decoyHash()));
    if (!user || !stored || !matches) throw new UnauthorizedError('Invalid credentials provided.');
    if (user.emailVerifiedAt === null) throw new UnverifiedEmailError(user.email);
    return user;
  }

  /** Mails a reset secret when the email has an account; says nothing either way. */
  async requestPasswordReset(emailGiven: string): Promise<void> {
    this.requireMail();
    const user = await this.users.getByEmail(normalEmail(emailGiven));
    if (!user) return;
    const secret = await this.secrets.issue('reset-password', user.id, this.settings.resetTtlSeconds);
    await this.mailer.send(passwordResetMail(user.email, secret, this.mailContext()));
  }

  /** Sets a new password with a mailed secret (which also proves the email). */
  async resetPassword(secret: string, password: string): Promise<User> {
    const userId = await this.secrets.peek('reset-password', secret);
    const user = userId ? await this.users.get(userId) : null;
    if (!user) throw new SlipwayError('invalid_token', 'This password reset is unknown, used or expired: ask for a new one.', { status: 404 });
    const problem = passwordProblem(password, user.email);
    if (problem) throw new InvalidParamsError(problem);
    // Used only once the new password is acceptable, so a refused password does not waste it.
    if ((await this.secrets.consume('reset-password', secret)) !== user.id) throw new SlipwayError('invalid_token', 'This password reset was just used.', { status: 404 });
    await this.users.setPasswordHash(user.id, await hashPassword(password));
    return (await this.users.markEmailVerified(user.id)) ?? user;
  }

  /** An operator invites an email address (the only way in under the `invite` policy). */
  async invite(emailGiven: string, invitedBy: User): Promise<{ email: string; expiresAt: string }> {
    if (this.settings.signup === 'closed') throw new ForbiddenError('Sign-up is closed: create the account instead (POST /users).');
    this.requireMail();
    const email = normalEmail(emailGiven);
    const secret = await this.secrets.issue('invitation', email, this.settings.invitationTtlSeconds);
    await this.mailer.send(invitationMail(email, secret, invitedBy.email, this.mailContext()));
    return { email, expiresAt: new Date(Date.now() + this.settings.invitationTtlSeconds * 1000).toISOString() };
  }
}
