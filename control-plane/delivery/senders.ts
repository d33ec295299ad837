// How each kind of destination is sent to: a signed webhook (Standard Webhooks) over HTTP, an
// email over SMTP. Neither logs what it sends (reset links, usage records).
import nodemailer, { type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { Agent, request, type Dispatcher } from 'undici';
import type { AddressPolicy } from '../drains/addresses.js';
import { checkLiteral, guardedLookup } from '../drains/transports.js';
import type { Delivery, EmailPayload, Sender } from './types.js';

/** Standard Webhooks takes the secret as base64, with or without its `whsec_` prefix. */
export function webhookSigner(secret: string): Webhook {
  return new Webhook(secret.replace(/^whsec_/, ''));
}

/** The body a webhook receives: the event, with when it happened. */
export function webhookBody(delivery: Delivery): string {
  return JSON.stringify({ id: delivery.event.id, type: delivery.event.type, created_at: delivery.createdAt, data: delivery.event.payload });
}

/** How refusals name the dialler. */
const WHO = 'user-chosen webhooks';

/**
 * Where user-chosen webhook URLs may connect: the drains' address rules, applied to every address a
 * name resolves to when it is dialled (a name that pointed outside when the alert was made may
 * point inside by the time it fires) and to IP literals, which are dialled without a lookup.
 */
export class UserUrlGuard {
  readonly dispatcher: Agent;
  private closing: Promise<void> | null = null;

  constructor(readonly addresses: AddressPolicy) {
    this.dispatcher = new Agent({ connect: { lookup: guardedLookup(addresses, WHO) } });
  }

  /** The dispatcher for `url`, or an error saying why it may not be reached. */
  dispatcherFor(url: string): Dispatcher {
    checkLiteral(new URL(url).hostname.replace(/^\[|\]$/g, ''), this.addresses, WHO);
    return this.dispatcher;
  }

  /** Closes the connections; a second call (a platform stopped twice) waits for the first. */
  close(): Promise<void> {
    return (this.closing ??= this.dispatcher.close());
  }
}

/** Sends signed webhooks; a user-chosen URL goes through `guard` (without one, it is refused). */
export function webhookSender(timeoutMs: number, guard: UserUrlGuard | null): Sender {
  return async (delivery) => {
    if (delivery.destination.kind !== 'webhook') throw new Error('not a webhook');
    let dispatcher: Dispatcher | undefined;
    if (delivery.destination.userChosen) {
      if (!guard) throw new Error('user-chosen webhooks are not sent without an address guard');
      dispatcher = guard.dispatcherFor(delivery.destination.url);
    }
    const body = webhookBody(delivery);
    const now = new Date();
    const signature = webhookSigner(delivery.destination.secret).sign(delivery.event.id, now, body);
    const response = await request(delivery.destination.url, {
      dispatcher,
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': delivery.event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`the receiver answered ${response.statusCode}`);
  };
}

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  from: string;
}

export function emailSender(settings: SmtpSettings, transport: Transporter = nodemailer.createTransport(settings.url)): Sender & { close(): void } {
  const send: Sender = async (delivery) => {
    if (delivery.destination.kind !== 'email') throw new Error('not an email');
    const { subject, text } = delivery.event.payload as EmailPayload;
    const domain = settings.from.replace(/^.*@/, '').replace(/>.*$/, '') || 'localhost';
    // A retried email keeps its Message-ID, so a receiver can tell it is the same message.
    await transport.sendMail({ from: settings.from, to: delivery.destination.to, subject, text, messageId: `<${delivery.event.id}@${domain}>` });
  };
  return Object.assign(send, { close: () => transport.close() });
}

/** One sender for every destination kind; email only when SMTP is configured. */
export function destinationSender(webhook: Sender, email: Sender | null): Sender {
  return (delivery) => {
    if (delivery.destination.kind === 'webhook') return webhook(delivery);
    if (!email) return Promise.reject(new Error('no SMTP server is configured'));
    return email(delivery);
  };
}
