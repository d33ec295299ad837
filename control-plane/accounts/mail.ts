// The emails accounts send, as data (pure), and the door they leave by.
import { SlipwayError } from '../../common/errors.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends account emails (verification, password reset, invitation). The message holds
 *  single-use secrets: an implementation never logs its text. */
export interface AccountMailer {
  /** False while the operator has configured no way to send mail. */
  readonly configured: boolean;
  send(mail: Mail): Promise<void>;
}

export class MailUnavailableError extends SlipwayError {
  constructor() {
    super('email_unavailable', 'This platform cannot send email: ask its operator to configure SMTP.', { status: 503, expose: true });
  }
}

export interface MailContext {
  /** The provider's name, as users know it. */
  brand: string;
  /** The API's public origin, for links. */
  apiUrl: string;
  /** The CLI's command name, for commands in the text. */
  cli: string;
}

export function verificationMail(to: string, secret: string, c: MailContext): Mail {
  return {
    to,
    subject: `Confirm your ${c.brand} account`,
    text: [
      `Welcome to ${c.brand}.`,
      '',
      'Confirm your email address by opening this link:',
      `${c.apiUrl}/signup/verify?token=${secret}`,
      '',
      `Then log in with: ${c.cli} login -i`,
      '',
      'If you did not sign up, ignore this email.',
    ].join('\n'),
  };
}

export function alreadyRegisteredMail(to: string, c: MailContext): Mail {
  return {
    to,
    subject: `Your ${c.brand} account`,
    text: [`Someone tried to sign up to ${c.brand} with this address, which already has an account.`, '', `Forgot your password? Run: ${c.cli} password:reset ${to}`].join('\n'),
  };
}

export function passwordResetMail(to: string, secret: string, c: MailContext): Mail {
  return {
    to,
    subject: `Reset your ${c.brand} password`,
    text: [
      `Someone asked to reset the password of your ${c.brand} account.`,
      '',
      `Choose a new one with: ${c.cli} password:reset --token ${secret}`,
      `(or POST {"password": ...} to ${c.apiUrl}/password-resets/${secret}/actions/finalize)`,
      '',
      'The token works once, within an hour. If it was not you, ignore this email: your password is unchanged.',
    ].join('\n'),
  };
}

export function invitationMail(to: string, secret: string, invitedBy: string, c: MailContext): Mail {
  return {
    to,
    subject: `You are invited to ${c.brand}`,
    text: [`${invitedBy} invited you to ${c.brand}.`, '', `Sign up with: ${c.cli} signup ${to} --invitation ${secret}`, '', 'The invitation works once, within 7 days.'].join('\n'),
  };
}

/** Where mail goes while the operator has configured no way to send it: nothing that needs a
 *  mail can be done, and the user is told so (a 503, not a lost email). */
export const unconfiguredMailer: AccountMailer = {
  configured: false,
  send: () => Promise.reject(new MailUnavailableError()),
};
