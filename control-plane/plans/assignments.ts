// Which plan each account (a user, or a team) is on, as operators set it; absent: the default.
import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';

/** The holder of a plan: a user's personal apps, or a team's apps. */
export interface Account {
  kind: 'user' | 'team';
  id: string;
}

export const accountKey = (account: Account): string => `${account.kind}:${account.id}`;

export class PlanAssignments {
  constructor(private readonly redis: Redis) {}

  async get(account: Account): Promise<string | null> {
    return this.redis.hget(keys.accountPlans, accountKey(account));
  }

  async set(account: Account, plan: string): Promise<void> {
    await this.redis.hset(keys.accountPlans, accountKey(account), plan);
  }

  /** Forgets an account's plan (the account is gone). */
  async forget(account: Account): Promise<void> {
    await this.redis.hdel(keys.accountPlans, accountKey(account));
  }
}
