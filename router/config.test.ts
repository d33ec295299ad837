import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { loadRouterConfig } from './config.js';

describe('loadRouterConfig', () => {
  it('has defaults for every setting', () => {
    const config = loadRouterConfig({ SLIPWAY_HOME: '/srv/slipway' });
    expect(config).toMatchObject({
      bind: '127.0.0.1',
      httpPort: 8080,
      httpsPort: 8443,
      metricsBind: '127.0.0.1',
      appsDomain: 'localhost',
      brand: 'Slipway',
      stateDir: '/srv/slipway/router',
      workers: 1,
      http2: true,
      defaultCertificatePath: null,
      timeouts: { responseMs: 30_000 },
    });
  });

  it('reads the environment', () => {
    const config = loadRouterConfig({
      SLIPWAY_ROUTER_HTTP_PORT: '80',
      SLIPWAY_ROUTER_BIND: '0.0.0.0',
      SLIPWAY_BRAND: 'Acme',
      SLIPWAY_APPS_DOMAIN: 'apps.example.com',
      SLIPWAY_ROUTER_WORKERS: '2',
      SLIPWAY_ROUTER_HTTP2: 'false',
      SLIPWAY_ROUTER_RESPONSE_TIMEOUT_MS: '1500',
    });
    expect(config).toMatchObject({ httpPort: 80, bind: '0.0.0.0', brand: 'Acme', appsDomain: 'apps.example.com', workers: 2, http2: false });
    expect(config.timeouts.responseMs).toBe(1500);
  });

  it('names every invalid variable', () => {
    expect(() => loadRouterConfig({ SLIPWAY_ROUTER_HTTP_PORT: 'eighty', SLIPWAY_APPS_DOMAIN: 'Bad Domain' })).toThrow(ConfigError);
    expect(() => loadRouterConfig({ SLIPWAY_ROUTER_HTTP_PORT: 'eighty', SLIPWAY_APPS_DOMAIN: 'Bad Domain' })).toThrow(/SLIPWAY_ROUTER_HTTP_PORT.*SLIPWAY_APPS_DOMAIN/);
  });
});
