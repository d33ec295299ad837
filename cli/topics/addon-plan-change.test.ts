import { describe, expect, it } from 'vitest';
import { qualifiedPlan } from './addon-plan-change.js';

describe('addons:upgrade and :downgrade', () => {
  it('names the plan within the add-on’s service unless it is named in full', () => {
    expect(qualifiedPlan('postgresql', 'standard')).toBe('postgresql:standard');
    expect(qualifiedPlan('postgresql', 'heroku-postgresql:standard')).toBe('heroku-postgresql:standard');
  });
});
