import { describe, expect, it } from 'vitest';
import { ADDON_SERVICES, resolvePlan } from '../../common/addons.js';
import { planChangeRefusal } from './plan-change.js';

const target = (spec: string) => {
  const resolved = resolvePlan(spec, ADDON_SERVICES);
  if ('error' in resolved) throw new Error(resolved.error);
  return resolved;
};
const current = { service: 'postgresql', plan: 'postgresql:standard' };

describe('an add-on plan change', () => {
  it('is allowed when the data fits the new plan’s storage', () => {
    expect(planChangeRefusal(current, target('postgresql:mini'), 1024 * 1024 * 1024)).toBeNull();
  });

  it('is refused (422) when the data does not fit, saying how much there is and what the plan holds', () => {
    const refusal = planChangeRefusal(current, target('postgresql:mini'), 1024 * 1024 * 1024 + 1);
    expect(refusal).toMatchObject({ status: 422 });
    expect(refusal!.message).toBe('The add-on holds 1024.0 MB of data; postgresql:mini holds 1024 MB. Delete data first, or choose a larger plan.');
  });

  it('stays within the service, and never guesses when the data could not be measured', () => {
    expect(planChangeRefusal(current, target('redis:premium'), 0)).toMatchObject({ status: 422, message: expect.stringContaining('stays within the service') });
    expect(planChangeRefusal(current, target('postgresql:mini'), null)).toMatchObject({ status: 503 });
  });

  it('keeps the server: a plan of another PostgreSQL version or stack is refused (422), not run over the old data', () => {
    const pg = ADDON_SERVICES.find((s) => s.name === 'postgresql')!;
    const to = (extra: { version?: string; stack?: string }) => ({ service: pg, plan: { ...pg.plans[0]!, name: 'postgresql:pg16', ...extra } });
    expect(planChangeRefusal({ ...current, version: '15' }, to({ version: '15' }), 0)).toBeNull();
    expect(planChangeRefusal({ ...current, version: '15' }, to({ version: '16' }), 0)).toMatchObject({
      status: 422,
      message: 'postgresql:standard runs version 15 on the default stack; postgresql:pg16 runs version 16 on the default stack: a plan change keeps the server. Create a postgresql:pg16 add-on and move the data (pg:backups) instead.',
    });
    expect(planChangeRefusal(current, to({ stack: 'trixie' }), 0)).toMatchObject({ status: 422, message: expect.stringContaining("runs its stack's version on trixie") });
    expect(planChangeRefusal({ ...current, version: '15' }, to({}), 0)).toMatchObject({ status: 422 });
  });
});
