import { describe, expect, it } from 'vitest';
import type { QuotasJson } from '../../common/api-shapes.js';
import { accountPath, plansTable, quotasLines } from './plans.js';

const limits = { apps: 2, dynos_per_app: 2, dynos_total: 3, sizes: ['basic'], memory_mb: null, concurrent_builds: 1, build_minutes_per_month: 100, custom_domains: 1, one_off_dynos: 1, log_retention_hours: 1, sleep_after_idle_minutes: 30 };
const quotas: QuotasJson = {
  account: { kind: 'user', id: 'u1', name: 'ada@example.com' },
  plan: { name: 'free', price: '$0', default: true, limits },
  used: { apps: 2, dynos_total: 3, memory_mb: 1536, concurrent_builds: 0, build_minutes_this_month: 12, custom_domains: 1, one_off_dynos: 0 },
};

describe('slipway plans and quotas', () => {
  it('shows each plan on a line, limits in words', () => {
    const [header, , row] = plansTable([quotas.plan]);
    expect(header).toMatch(/^PLAN\s+PRICE\s+APPS\s+DYNOS/);
    expect(row).toMatch(/^free \(default\)\s+\$0\s+2\s+3 \(2\/app\)\s+basic\s+unlimited\s+1 at once, 100 min\/month\s+1\s+1 h\s+after 30 min$/);
  });

  it('shows an account’s use beside its limits', () => {
    const lines = quotasLines(quotas);
    expect(lines[0]).toBe('=== ada@example.com on the free plan ($0)');
    expect(lines.find((l) => l.startsWith('dyno memory'))).toMatch(/^dyno memory \(MB\)\s+1536\s+unlimited$/);
    expect(lines.find((l) => l.startsWith('build minutes'))).toMatch(/^build minutes this month\s+12\s+100$/);
    expect(lines.at(-1)).toBe('Dyno sizes: basic; logs kept 1 h; web dynos sleep after 30 idle minutes.');
  });

  it('names the account the options choose', () => {
    expect(accountPath({}, 'quotas')).toBe('/account/quotas');
    expect(accountPath({ team: 'acme' }, 'quotas')).toBe('/teams/acme/quotas');
    expect(accountPath({ user: 'a@b.co' }, 'plan')).toBe('/users/a%40b.co/plan');
    expect(() => accountPath({}, 'plan')).toThrow(/--user EMAIL or --team TEAM/);
    expect(() => accountPath({ team: 'x', user: 'y' }, 'quotas')).toThrow(/Choose one/);
  });
});
