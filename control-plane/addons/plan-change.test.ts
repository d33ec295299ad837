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
});
