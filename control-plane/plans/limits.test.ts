import { describe, expect, it } from 'vitest';
import type { FormationEntry } from '../../common/types.js';
import { parsePlanCatalogue } from './catalogue.js';
import { buildMinutesRefusal, countRefusal, mergeFormation, scaleRefusal, sizeRefusal } from './limits.js';

const { plans } = parsePlanCatalogue(
  `default: free
plans:
  - { name: free, apps: 2, dynos_per_app: 2, dynos_total: 3, sizes: [basic], memory_mb: 2048, build_minutes_per_month: 10 }
  - { name: small, memory_mb: 1024, sizes: [basic, standard] }
  - { name: open }
`,
  'test',
);
const [free, small, open] = plans as [typeof plans[0], typeof plans[0], typeof plans[0]];
const web = (quantity: number, size: FormationEntry['size'] = 'basic'): FormationEntry => ({ type: 'web', quantity, size });
const worker = (quantity: number, size: FormationEntry['size'] = 'basic'): FormationEntry => ({ type: 'worker', quantity, size });

describe('plan limits', () => {
  it('refuses a count past the limit, naming the plan, the limit and the use', () => {
    expect(countRefusal(free, 'apps', 1, 2)).toBeNull();
    expect(countRefusal(free, 'apps', 2, 3)).toEqual({
      limit: 'apps',
      plan: 'free',
      message: 'The free plan allows 2 apps; this would make 3 (apps now: 2). Upgrade the plan or free some up.',
    });
    expect(countRefusal(open, 'apps', 500, 501)).toBeNull();
  });

  it('never refuses what lowers use, even over a limit (a plan changed under the account)', () => {
    expect(countRefusal(free, 'dynosTotal', 6, 5)).toBeNull();
    expect(scaleRefusal(free, [web(4)], [web(3)], [])).toBeNull();
  });

  it('checks sizes, dynos per app, dynos in total and memory when scaling', () => {
    expect(scaleRefusal(free, [web(1)], [web(2)], [])).toBeNull();
    expect(scaleRefusal(free, [web(1)], [web(3)], [])?.limit).toBe('dynosPerApp');
    expect(scaleRefusal(free, [web(1)], [web(2)], [web(2)])?.limit).toBe('dynosTotal');
    expect(scaleRefusal(free, [web(1)], [web(1, 'standard')], [])).toMatchObject({ limit: 'sizes', message: 'The free plan does not offer standard dynos (it offers basic).' });
    // a type scaled to zero may keep a size the plan does not offer
    expect(scaleRefusal(free, [web(1, 'performance')], [web(0, 'performance')], [])).toBeNull();
    expect(scaleRefusal(small, [], [web(1, 'standard')], [])).toBeNull();
    expect(scaleRefusal(small, [web(1, 'standard')], [web(1, 'standard'), worker(1)], [])).toMatchObject({ limit: 'memoryMb' });
    expect(scaleRefusal(small, [web(1, 'standard')], [web(1, 'standard'), worker(1)], [])!.message).toBe(
      'The small plan allows 1024 MB of dyno memory in total; this would make 1536 (dyno memory in total now: 1024). Upgrade the plan or free some up.',
    );
  });

  it('refuses a one-off size the plan does not offer', () => {
    expect(sizeRefusal(free, 'basic')).toBeNull();
    expect(sizeRefusal(free, 'performance')?.limit).toBe('sizes');
  });

  it('refuses a build once the month’s build minutes are spent', () => {
    expect(buildMinutesRefusal(free, 599)).toBeNull();
    expect(buildMinutesRefusal(free, 600)?.message).toBe('The free plan allows 10 build minutes a month; 10 are used this month. Builds start again next month, or upgrade the plan.');
    expect(buildMinutesRefusal(open, 1e9)).toBeNull();
  });

  it('merges the changed entries into the whole formation', () => {
    expect(mergeFormation([web(1), worker(2)], [web(3)])).toEqual([web(3), worker(2)]);
  });
});
