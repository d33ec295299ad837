// The router host's user-data: the router container with its own NATS user and Redis URL,
// bound where the load balancer forwards; checked by cloud-init's schema and systemd too.
import { expect, test } from 'vitest';
import { parseCloudConfig } from './cloud-init.js';
import { validateCloudConfig, systemdUnits, verifyUnits } from './testing/host-validators.js';
import { renderRouterUserData, ROUTER_ENV_FILE, ROUTER_SERVICE, routerEnvironment, type RouterUserDataInput } from './router-user-data.js';

const INPUT: RouterUserDataInput = {
  registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  routerImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/production/router:0.1.0',
  httpPort: 8080,
  httpsPort: 8443,
  domain: 'apps.example.com',
  natsAddress: 'nats.slipway.internal:4222',
  natsPassword: 'router-password-0123456789ab',
  redisUrl: 'redis://:redis-password-0123456789ab@redis.slipway.internal:6379',
  apiAddress: 'api.slipway.internal:5780',
  wakeAddress: 'api.slipway.internal:5787',
};

test('the router joins NATS as `router`, reads Redis, and binds every address on the forwarded ports', () => {
  expect(routerEnvironment(INPUT)).toEqual({
    SLIPWAY_REDIS_URL: INPUT.redisUrl,
    SLIPWAY_NATS_URL: 'nats://router:router-password-0123456789ab@nats.slipway.internal:4222',
    SLIPWAY_ROUTER_BIND: '0.0.0.0',
    SLIPWAY_ROUTER_HTTP_PORT: '8080',
    SLIPWAY_ROUTER_HTTPS_PORT: '8443',
    SLIPWAY_APPS_DOMAIN: 'apps.example.com',
    SLIPWAY_ROUTER_STATE_DIR: '/var/lib/slipway/router',
    // ACME HTTP-01 fetches go to the control plane's API
    SLIPWAY_ROUTER_ACME_UPSTREAMS: 'api.slipway.internal:5780',
    // a sleeping app's requests go to the control plane's waker
    SLIPWAY_ROUTER_WAKE_UPSTREAMS: 'api.slipway.internal:5787',
  });
  const doc = parseCloudConfig(renderRouterUserData(INPUT));
  expect(doc.write_files.find((f) => f.path === ROUTER_ENV_FILE)?.permissions).toBe('0600');
  const unit = doc.write_files.find((f) => f.path === `/etc/systemd/system/${ROUTER_SERVICE}`)!.content;
  expect(unit).toContain('--cap-drop ALL');
  expect(unit).not.toContain('NET_BIND_SERVICE');
  expect(unit).not.toContain('docker.sock');
  expect(unit).not.toContain(INPUT.natsPassword);
});

test('privileged ports get exactly the one capability to bind them', () => {
  const doc = parseCloudConfig(renderRouterUserData({ ...INPUT, httpPort: 80, httpsPort: 443 }));
  const unit = doc.write_files.find((f) => f.path === `/etc/systemd/system/${ROUTER_SERVICE}`)!.content;
  expect(unit).toContain('--cap-drop ALL --cap-add NET_BIND_SERVICE');
});

test('cloud-init and systemd accept it', async () => {
  const userData = renderRouterUserData(INPUT);
  const result = await validateCloudConfig(userData);
  expect(result.output).toContain('Valid cloud-config');
  const units = systemdUnits(parseCloudConfig(userData).write_files);
  expect(await verifyUnits(units, ['/usr/bin/docker-credential-ecr-login'])).toEqual([]);
});
