// The HTTP side of talking to add-on partners: one request with HTTP Basic (manifest id :
// password) and a deadline, and the retry loop for idempotent calls. What to send and how to
// read the answer are decided in partner-calls.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { describeError } from '../../common/errors.js';
import { backoffMs, retryable, type PartnerOutcome, type PartnerRequest } from './partner-calls.js';

export interface PartnerEndpoint {
  baseUrl: string;
  id: string;
  password: string;
}

export interface PartnerClient {
  send(endpoint: PartnerEndpoint, call: PartnerRequest): Promise<PartnerOutcome>;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

/** Heroku gives a partner 30 s to answer; the same deadline for every call here. */
export class HttpPartnerClient implements PartnerClient {
  constructor(private readonly timeoutMs: number) {}

  async send(endpoint: PartnerEndpoint, call: PartnerRequest): Promise<PartnerOutcome> {
    const url = endpoint.baseUrl.replace(/\/+$/, '') + call.path;
    const authorization = `Basic ${Buffer.from(`${endpoint.id}:${endpoint.password}`).toString('base64')}`;
    try {
      const response = await request(url, {
        method: call.method,
        headers: { authorization, accept: 'application/vnd.heroku-addons+json; version=3', ...(call.body ? { 'content-type': 'application/json' } : {}) },
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const raw = await response.body.text();
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = null;
      }
      return { kind: 'answered', status: response.statusCode, body };
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { kind: 'timeout' };
      const code = (err as { code?: string }).code;
      return { kind: 'unreachable', error: code ?? describeError(err) };
    }
  }
}

/** An idempotent call sent until it is answered with something not worth retrying, or the
 *  attempts are spent; the last outcome is returned. Non-idempotent calls go once. */
export async function sendWithRetries(client: PartnerClient, endpoint: PartnerEndpoint, call: PartnerRequest, policy: RetryPolicy, wait: (ms: number) => Promise<unknown> = sleep): Promise<PartnerOutcome> {
  const attempts = call.idempotent ? Math.max(1, policy.attempts) : 1;
  let outcome = await client.send(endpoint, call);
  for (let attempt = 1; attempt < attempts && retryable(outcome); attempt += 1) {
    await wait(backoffMs(attempt - 1, policy.baseDelayMs));
    outcome = await client.send(endpoint, call);
  }
  return outcome;
}
