// Automatic certificates (Heroku's ACM), the decisions: for each custom domain of an app with ACM
// on, whether to order a certificate now, from its state and the clock. Pure, so every rule
// (renewal at two thirds of the lifetime, backoff after a failure, giving up until refreshed) is
// tested without a CA.

/** Heroku's `acm_status` words, as its CLI shows them: null is "Waiting". */
export type AcmStatus = 'verified' | 'cert issued' | 'failing' | 'failed';

export interface AcmDomainState {
  hostname: string;
  status: AcmStatus | null;
  /** The last failure, in words (Heroku's `acm_status_reason`); null once issued. */
  reason: string | null;
  /** Failures in a row since the last certificate. */
  failures: number;
  /** ms since the epoch: no order before then (backoff). */
  nextAttemptAt: number;
  /** The current certificate's validity, ms since the epoch; null: none issued yet. */
  notBefore: number | null;
  notAfter: number | null;
  updatedAt: string;
}

export interface AcmPolicy {
  /** The first retry's wait; each further failure doubles it, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** Failures in a row after which the domain is `failed` and waits for `certs:auto:refresh`. */
  giveUpAfter: number;
}

export const DEFAULT_ACM_POLICY: AcmPolicy = { retryMs: 5 * 60_000, maxRetryMs: 24 * 3_600_000, giveUpAfter: 8 };

export function newDomainState(hostname: string, now: number): AcmDomainState {
  return { hostname, status: null, reason: null, failures: 0, nextAttemptAt: now, notBefore: null, notAfter: null, updatedAt: new Date(now).toISOString() };
}

/** When a certificate valid from `notBefore` to `notAfter` is renewed: at two thirds of its lifetime. */
export function renewalAt(notBefore: number, notAfter: number): number {
  return notBefore + Math.floor(((notAfter - notBefore) * 2) / 3);
}

/** Whether to order a certificate for the domain now, and why (for the log). */
export function orderNow(state: AcmDomainState, now: number): { order: boolean; why: string } {
  if (state.status === 'failed') return { order: false, why: 'failed: waits for a refresh' };
  if (now < state.nextAttemptAt) return { order: false, why: 'backing off' };
  if (state.notBefore === null || state.notAfter === null) return { order: true, why: 'no certificate yet' };
  if (now >= renewalAt(state.notBefore, state.notAfter)) return { order: true, why: 'two thirds of its lifetime passed' };
  return { order: false, why: 'valid' };
}

/** The state after a certificate was issued. */
export function issued(state: AcmDomainState, notBefore: number, notAfter: number, now: number): AcmDomainState {
  return { ...state, status: 'cert issued', reason: null, failures: 0, nextAttemptAt: renewalAt(notBefore, notAfter), notBefore, notAfter, updatedAt: new Date(now).toISOString() };
}

/** The state after an order failed: retried later, each time twice as late, until given up. A
 *  domain that still has a valid certificate keeps it (and says `cert issued` until it gives up). */
export function failedOrder(state: AcmDomainState, reason: string, now: number, policy: AcmPolicy = DEFAULT_ACM_POLICY): AcmDomainState {
  const failures = state.failures + 1;
  const wait = Math.min(policy.retryMs * 2 ** (failures - 1), policy.maxRetryMs);
  const givingUp = failures >= policy.giveUpAfter;
  const stillValid = state.notAfter !== null && now < state.notAfter;
  return {
    ...state,
    status: givingUp ? 'failed' : stillValid ? 'cert issued' : 'failing',
    reason,
    failures,
    nextAttemptAt: now + wait,
    updatedAt: new Date(now).toISOString(),
  };
}

/** `certs:auto:refresh`: every domain is tried again at once, the given-up ones too. */
export function refreshed(state: AcmDomainState, now: number): AcmDomainState {
  return { ...state, status: state.status === 'failed' ? 'failing' : state.status, failures: 0, nextAttemptAt: now, updatedAt: new Date(now).toISOString() };
}
