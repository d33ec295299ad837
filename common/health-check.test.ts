import { describe, expect, it } from 'vitest';
import { effectiveHealthCheck, healthCheck, healthCheckPasses, healthChecksFromAppJson, HealthCheckConfigError } from './health-check.js';

describe('healthChecksFromAppJson', () => {
  it("reads Dokku's healthchecks: the first check with a path per process type, its wait, timeout and attempts", () => {
    const appJson = {
      name: 'shop',
      healthchecks: {
        web: [
          { type: 'startup', name: 'no path: skipped' },
          { type: 'liveness', path: '/health', attempts: 5, timeout: 2, wait: 3, status: 204 },
        ],
        worker: [{ type: 'startup' }],
      },
    };
    expect(healthChecksFromAppJson(appJson)).toEqual({ web: { path: '/health', status: 204, intervalSeconds: 3, timeoutSeconds: 2, attempts: 5 } });
  });

  it('fills in the defaults and reads an app.json without health checks as none', () => {
    expect(healthChecksFromAppJson({ healthchecks: { web: [{ path: '/' }] } })).toEqual({ web: { path: '/', status: null, intervalSeconds: 10, timeoutSeconds: 5, attempts: 3 } });
    expect(healthChecksFromAppJson({ name: 'x' })).toEqual({});
    expect(healthChecksFromAppJson(null)).toEqual({});
  });

  it('names what is wrong, in app.json terms', () => {
    expect(() => healthChecksFromAppJson({ healthchecks: { web: [{ path: 'health' }] } })).toThrow(new HealthCheckConfigError('app.json healthchecks.web: path must start with / and hold no spaces or control characters'));
    expect(() => healthChecksFromAppJson({ healthchecks: { web: [{ path: '/', wait: 0 }] } })).toThrow(/healthchecks\.web: wait Too small/i);
    expect(() => healthChecksFromAppJson({ healthchecks: { web: { path: '/' } } })).toThrow(/app.json healthchecks: web/);
    expect(() => healthChecksFromAppJson({ healthchecks: { 'Web Type': [] } })).toThrow(/app.json healthchecks: "Web Type": /);
  });
});

describe('healthCheckPasses and effectiveHealthCheck', () => {
  const check = healthCheck.parse({ path: '/health' });

  it('takes 2xx and 3xx without an expected status, else only that status', () => {
    expect([199, 200, 302, 399, 400, 500].map((status) => healthCheckPasses(check, status))).toEqual([false, true, true, true, false, false]);
    expect([200, 204].map((status) => healthCheckPasses({ status: 204 }, status))).toEqual([false, true]);
  });

  it("prefers the API's check over app.json's, per process type", () => {
    const api = { ...check, path: '/api' };
    expect(effectiveHealthCheck('web', { web: api }, { web: check })).toBe(api);
    expect(effectiveHealthCheck('web', {}, { web: check })).toBe(check);
    expect(effectiveHealthCheck('worker', { web: api }, undefined)).toBeNull();
    expect(effectiveHealthCheck('constructor', {}, {})).toBeNull();
  });
});
