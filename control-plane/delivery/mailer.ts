// Account emails through the delivery queue: durable and retried, like every other delivery.
import { randomUUID } from 'node:crypto';
import type { AccountMailer, Mail } from '../accounts/mail.js';
import type { DeliveryQueue } from './queue.js';
import type { EmailPayload } from './types.js';

export function queuedMailer(queue: DeliveryQueue, smtpConfigured: boolean): AccountMailer {
  return {
    configured: smtpConfigured,
    send: (mail: Mail) => {
      const payload: EmailPayload = { subject: mail.subject, text: mail.text };
      return queue.enqueue({ kind: 'email', to: mail.to }, { id: randomUUID(), type: 'account.email', payload });
    },
  };
}
