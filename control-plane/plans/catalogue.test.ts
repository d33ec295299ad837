import { describe, expect, it } from 'vitest';
import { longestLogRetentionHours, parsePlanCatalogue, UNLIMITED_CATALOGUE } from './catalogue.js';

const FILE = `
default: free
plans:
  - name: free
    price: "$0"
    apps: 2
    sizes: [basic]
    log_retention_hours: 1
  - name: pro
    log_retention_hours: 168
`;

describe('the plans file', () => {
  it('reads YAML (or JSON) into plans with defaults for what is left out', () => {
    const catalogue = parsePlanCatalogue(FILE, 'plans.yaml');
    expect(catalogue.defaultPlan.name).toBe('free');
    expect(catalogue.plans.map((p) => p.name)).toEqual(['free', 'pro']);
    expect(catalogue.plans[0]).toMatchObject({ apps: 2, sizes: ['basic'], dynosTotal: null, price: '$0', sleepAfterIdleMinutes: null });
    expect(catalogue.plans[1]).toMatchObject({ apps: null, sizes: ['basic', 'standard', 'performance'], logRetentionHours: 168 });
    expect(longestLogRetentionHours(catalogue)).toBe(168);
    const json = parsePlanCatalogue(JSON.stringify({ default: 'only', plans: [{ name: 'only', apps: 0 }] }), 'plans.json');
    expect(json.defaultPlan.apps).toBe(0);
  });

  it('names the file and the field that is wrong', () => {
    expect(() => parsePlanCatalogue('default: gold\nplans:\n  - name: free\n', 'p.yaml')).toThrow('p.yaml: default: names no plan (plans: free)');
    expect(() => parsePlanCatalogue('default: free\nplans:\n  - name: free\n    apps: -1\n', 'p.yaml')).toThrow(/^p\.yaml: plans\[0\]\.apps: /);
    expect(() => parsePlanCatalogue('default: free\nplans:\n  - name: free\n    sizes: [huge]\n', 'p.yaml')).toThrow(/^p\.yaml: plans\[0\]\.sizes\[0\]: /);
    expect(() => parsePlanCatalogue('default: free\nplans:\n  - name: free\n    dynos: 3\n', 'p.yaml')).toThrow(/^p\.yaml: plans\[0\]: .*dynos/);
    expect(() => parsePlanCatalogue('default: free\nplans:\n  - name: free\n  - name: free\n', 'p.yaml')).toThrow('p.yaml: plans: plan free is defined twice');
    expect(() => parsePlanCatalogue('default: [', 'p.yaml')).toThrow(/^p\.yaml: not YAML or JSON/);
  });

  it('without a file: one plan with no limits and a day of logs', () => {
    expect(UNLIMITED_CATALOGUE.plans).toHaveLength(1);
    expect(UNLIMITED_CATALOGUE.defaultPlan).toMatchObject({ name: 'default', apps: null, dynosTotal: null, memoryMb: null, logRetentionHours: 24 });
  });
});
