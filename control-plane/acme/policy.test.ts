import { describe, expect, it } from 'vitest';
import { failedOrder, issued, newDomainState, orderNow, refreshed, renewalAt } from './policy.js';

const policy = { retryMs: 60_000, maxRetryMs: 600_000, giveUpAfter: 4 };
const DAY = 86_400_000;

describe('automatic certificates: when to order', () => {
  it('orders a new domain at once, then not until two thirds of the certificate’s lifetime', () => {
    const fresh = newDomainState('shop.example.com', 0);
    expect(orderNow(fresh, 0)).toEqual({ order: true, why: 'no certificate yet' });
    const held = issued(fresh, 0, 90 * DAY, 1000);
    expect(held).toMatchObject({ status: 'cert issued', reason: null, failures: 0, nextAttemptAt: 60 * DAY });
    expect(renewalAt(0, 90 * DAY)).toBe(60 * DAY);
    expect(orderNow(held, 60 * DAY - 1).order).toBe(false);
    expect(orderNow(held, 60 * DAY)).toEqual({ order: true, why: 'two thirds of its lifetime passed' });
  });

  it('backs off after a failure, twice as long each time up to a cap, then gives up until refreshed', () => {
    let state = newDomainState('shop.example.com', 0);
    const waits: number[] = [];
    for (let now = 0, i = 0; i < 3; i++) {
      state = failedOrder(state, 'the CA could not reach the domain', now, policy);
      waits.push(state.nextAttemptAt - now);
      expect(orderNow(state, state.nextAttemptAt - 1)).toEqual({ order: false, why: 'backing off' });
      now = state.nextAttemptAt;
    }
    expect(waits).toEqual([60_000, 120_000, 240_000]);
    expect(state).toMatchObject({ status: 'failing', reason: 'the CA could not reach the domain', failures: 3 });
    state = failedOrder(state, 'still unreachable', state.nextAttemptAt, policy);
    expect(state.status).toBe('failed');
    expect(orderNow(state, state.nextAttemptAt + DAY).order).toBe(false);
    const again = refreshed(state, 5);
    expect(again).toMatchObject({ status: 'failing', failures: 0, nextAttemptAt: 5 });
    expect(orderNow(again, 5).order).toBe(true);
    expect(failedOrder(newDomainState('x', 0), 'r', 0, { ...policy, retryMs: 500_000 }).nextAttemptAt).toBe(500_000);
    expect(failedOrder({ ...newDomainState('x', 0), failures: 2 }, 'r', 0, { ...policy, retryMs: 500_000 }).nextAttemptAt).toBe(600_000);
  });

  it('keeps saying `cert issued` while a renewal fails and the certificate is still valid', () => {
    const held = issued(newDomainState('shop.example.com', 0), 0, 90 * DAY, 0);
    const renewalFailed = failedOrder(held, 'timeout', 60 * DAY, policy);
    expect(renewalFailed).toMatchObject({ status: 'cert issued', reason: 'timeout', failures: 1, notAfter: 90 * DAY });
    expect(failedOrder(renewalFailed, 'timeout', 91 * DAY, policy).status).toBe('failing');
  });
});
