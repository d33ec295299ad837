// Joining the platform: the agent asks the control plane to accept its credentials and keeps
// asking, with backoff, until it does. A refusal (unknown or revoked credentials) is logged
// clearly and retried slowly, since the operator may fix it. Until then the agent runs nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { decode, encode, reply, subjects, type RegisterRequest } from '../common/protocol.js';

export interface RegisterRetryPolicy {
  /** First pause after an unanswered request; it doubles up to maxMs. */
  initialMs: number;
  maxMs: number;
  /** Pause after a refusal. */
  rejectedMs: number;
  /** How long to wait for the control plane's answer. */
  requestTimeoutMs: number;
}

export const DEFAULT_REGISTER_RETRY: RegisterRetryPolicy = { initialMs: 500, maxMs: 15_000, rejectedMs: 30_000, requestTimeoutMs: 5000 };

/** Sends a request and returns the reply's body (NATS in production). */
export type Requester = (subject: string, body: Uint8Array, timeoutMs: number) => Promise<Uint8Array>;

/** Pause before attempt `attempt + 1` after `attempt` unanswered ones (0-based). */
export function retryDelay(attempt: number, policy: Pick<RegisterRetryPolicy, 'initialMs' | 'maxMs'>): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
}

export interface RegisterOptions {
  request: Requester;
  message: RegisterRequest;
  policy: RegisterRetryPolicy;
  log: Logger;
  signal: AbortSignal;
}

/** One request's outcome: accepted with a value, or refused with the control plane's reason. */
export type Answer<T> = { accepted: true; value: T } | { accepted: false; reason: string };

export interface AskOptions<T> {
  /** Sends one request; throws when it goes unanswered (timeout, no connection, unreadable reply). */
  ask: () => Promise<Answer<T>>;
  policy: RegisterRetryPolicy;
  signal: AbortSignal;
  onRefused: (reason: string, retryInMs: number) => void;
  onUnanswered: (err: unknown, retryInMs: number) => void;
}

/**
 * Asks until the control plane accepts: unanswered requests back off (doubling up to maxMs), a
 * refusal waits rejectedMs and resets the backoff. Rejects only when `signal` aborts.
 */
export async function askUntilAccepted<T>(options: AskOptions<T>): Promise<T> {
  const { policy, signal } = options;
  for (let unanswered = 0; ; ) {
    signal.throwIfAborted();
    let pauseMs: number;
    try {
      const answer = await options.ask();
      if (answer.accepted) return answer.value;
      pauseMs = policy.rejectedMs;
      unanswered = 0;
      options.onRefused(answer.reason, pauseMs);
    } catch (err) {
      signal.throwIfAborted();
      pauseMs = retryDelay(unanswered++, policy);
      options.onUnanswered(err, pauseMs);
    }
    await sleep(pauseMs, undefined, { signal });
  }
}

/** Resolves once the control plane accepts this host; rejects only when `signal` aborts. */
export async function registerUntilAccepted(options: RegisterOptions): Promise<void> {
  const { message, policy, log, signal } = options;
  const subject = subjects.register(message.hostId);
  await askUntilAccepted({
    policy,
    signal,
    ask: async () => {
      const answer = decode(reply, await options.request(subject, encode(message), policy.requestTimeoutMs));
      return answer.ok ? { accepted: true, value: undefined } : { accepted: false, reason: answer.error ?? 'no reason given' };
    },
    onRefused: (reason, retryInMs) =>
      log.error(
        { hostId: message.hostId, reason, retryInMs },
        'the control plane refused this host: check SLIPWAY_HOST_ID and SLIPWAY_HOST_TOKEN (running nothing until accepted)',
      ),
    onUnanswered: (err, retryInMs) => log.warn({ hostId: message.hostId, err: describeError(err), retryInMs }, 'could not register with the control plane yet'),
  });
  log.info({ hostId: message.hostId }, 'registered with the control plane');
}
