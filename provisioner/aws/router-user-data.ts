// User-data of a router host: Docker Engine from Debian's packages and the Slipway router as
// a container bound to the ports the network load balancer forwards 80 and 443 to.
import { routerEnvironment as routerEnvironmentOf } from '../../common/env/router.js';
import { envFile, renderCloudConfig } from './cloud-init.js';
import { containerServiceUnit, DOCKER_HOST_COMMANDS, DOCKER_HOST_PACKAGES, dockerHostFiles, platformContainerOptions } from './docker-host.js';
import { natsUrl } from './endpoints.js';
import { ROUTER_NATS_USER } from '../../common/nats-auth.js';

export interface RouterUserDataInput {
  registry: string;
  routerImage: string;
  httpPort: number;
  httpsPort: number;
  domain: string;
  /** `host:port` of NATS inside the VPC. */
  natsAddress: string;
  natsPassword: string;
  /** Full Redis URL with credentials (secret). */
  redisUrl: string;
  /** `host:port` of the control plane's API inside the VPC: it answers ACME HTTP-01 challenges. */
  apiAddress: string;
  /** `host:port` of the control plane's waker inside the VPC: sleeping apps' requests go there. */
  wakeAddress: string;
}

export const ROUTER_ENV_FILE = '/etc/slipway/router.env';
export const ROUTER_SERVICE = 'slipway-router.service';
export const ROUTER_STATE_DIR = '/var/lib/slipway/router';

export function routerEnvironment(input: RouterUserDataInput): Record<string, string> {
  return routerEnvironmentOf({
    redisUrl: input.redisUrl,
    natsUrl: natsUrl(ROUTER_NATS_USER, input.natsPassword, input.natsAddress),
    bind: '0.0.0.0',
    httpPort: input.httpPort,
    httpsPort: input.httpsPort,
    appsDomain: input.domain,
    stateDir: ROUTER_STATE_DIR,
    acmeUpstreams: [input.apiAddress],
    wakeUpstreams: [input.wakeAddress],
  });
}

export function renderRouterUserData(input: RouterUserDataInput): string {
  const privileged = Math.min(input.httpPort, input.httpsPort) < 1024;
  const unit = containerServiceUnit({
    name: 'slipway-router',
    description: 'Slipway router',
    image: input.routerImage,
    runOptions: platformContainerOptions({
      envFiles: [ROUTER_ENV_FILE],
      dropCapabilities: true,
      capAdd: privileged ? ['NET_BIND_SERVICE'] : [],
      volumes: [`${ROUTER_STATE_DIR}:${ROUTER_STATE_DIR}`],
    }),
  });
  return renderCloudConfig({
    packages: DOCKER_HOST_PACKAGES,
    files: [
      ...dockerHostFiles(input.registry),
      { path: ROUTER_ENV_FILE, content: envFile(routerEnvironment(input)), permissions: '0600' },
      { path: `/etc/systemd/system/${ROUTER_SERVICE}`, content: unit, permissions: '0644' },
    ],
    commands: [...DOCKER_HOST_COMMANDS, ['install', '-d', '-m', '0700', ROUTER_STATE_DIR], ['systemctl', 'enable', '--now', ROUTER_SERVICE]],
  });
}
