// Account mail kept in memory, for tests that read what was sent without an SMTP server.
import type { AccountMailer, Mail } from '../../control-plane/accounts/mail.js';

export interface RecordingMailer extends AccountMailer {
  sent: Mail[];
  /** The newest mail to `to`; throws when there is none. */
  last(to: string): Mail;
}

export function recordingMailer(): RecordingMailer {
  const sent: Mail[] = [];
  return {
    configured: true,
    sent,
    send: async (mail) => {
      sent.push(mail);
    },
    last(to) {
      const mail = sent.filter((m) => m.to === to).at(-1);
      if (!mail) throw new Error(`no mail to ${to}`);
      return mail;
    },
  };
}

/** The first group of `pattern` in a mail's text (a secret, a link). */
export function secretIn(mail: Mail, pattern: RegExp): string {
  const match = pattern.exec(mail.text);
  if (!match) throw new Error(`nothing like ${pattern} in the mail "${mail.subject}"`);
  return match[1]!;
}
