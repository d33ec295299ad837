// What is delivered, and where.

/** A signed HTTP POST (Standard Webhooks' headers), or an email through the platform's SMTP. */
export type Destination =
  | {
      kind: 'webhook';
      url: string;
      /** base64 signing secret (`whsec_` prefix allowed) */
      secret: string;
      /** A user chose the URL (an alert's webhook): it may reach only public addresses, checked at each send.
       *  Absent for the operator's own receivers (the billing webhook), which may be internal. */
      userChosen?: boolean;
    }
  | { kind: 'email'; to: string };

export interface DeliveryEvent {
  /** Stable across retries: the receiver's idempotency key (webhook-id; the email's Message-ID). */
  id: string;
  /** e.g. `usage.recorded`, `alert.triggered`, `account.email`. */
  type: string;
  /** JSON for a webhook; `{ subject, text }` for an email. */
  payload: unknown;
}

export interface Delivery {
  destination: Destination;
  event: DeliveryEvent;
  createdAt: string;
  /** Attempts made so far. */
  attempts: number;
  lastError: string | null;
}

/** One attempt at sending; resolves when the destination took it, rejects with why not. */
export type Sender = (delivery: Delivery) => Promise<void>;

export interface EmailPayload {
  subject: string;
  text: string;
}
