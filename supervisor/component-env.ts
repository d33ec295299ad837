// Pure: the environments the launcher gives the control plane and the router, written with
// their typed writers (common/env/). Secrets reach them here only: Redis's password in its
// URL, the registry's in the credentials file named (never in argv, never logged).
import { controlPlaneEnvironment } from '../common/env/control-plane.js';
import { routerEnvironment } from '../common/env/router.js';
import type { SupervisorConfig } from './config.js';

export interface PlatformWiring {
  redisUrl: string;
  natsUrls: { controlPlane: string; router: string };
  natsAuth?: { authFile: string; pidFile: string; platformUsersFile: string };
  /** host[:port] of the registry */
  registry: string;
  /** credential-helper JSON for the registry (absent: an open registry) */
  registryAuthFile?: string;
  /** the registry token signing key and certificate (the platform's own registry: the control plane serves its tokens) */
  registryTokenKeys?: { keyFile: string; certFile: string };
  routerUrl: string;
  adminToken: string;
  /** the platform's own TLS certificate (for 127.0.0.1 and localhost): the rendezvous's
   *  (Heroku's `heroku run`) and the API's TLS port's (git over https) */
  rendezvousCertificate: { keyFile: string; certFile: string };
}

export function componentEnvironments(config: SupervisorConfig, wiring: PlatformWiring) {
  return {
    controlPlane: controlPlaneEnvironment({
      home: config.home,
      redisUrl: wiring.redisUrl,
      appsDomain: config.appsDomain,
      logLevel: config.logLevel,
      apiPort: config.ports.api,
      wakePort: config.ports.wake,
      natsUrl: wiring.natsUrls.controlPlane,
      natsAuth: wiring.natsAuth,
      registry: wiring.registry,
      registryAuthFile: wiring.registryAuthFile,
      registryTokenKeys: wiring.registryTokenKeys,
      rendezvous: { port: config.ports.rendezvous, ...wiring.rendezvousCertificate },
      apiTls: { port: config.ports.apiTls, ...wiring.rendezvousCertificate },
      routerUrl: wiring.routerUrl,
      bootstrapAdminToken: wiring.adminToken,
    }),
    router: routerEnvironment({
      home: config.home,
      redisUrl: wiring.redisUrl,
      appsDomain: config.appsDomain,
      logLevel: config.logLevel,
      natsUrl: wiring.natsUrls.router,
      httpPort: config.ports.routerHttp,
      httpsPort: config.ports.routerHttps,
      metricsPort: config.ports.routerMetrics,
      stateDir: config.dirs.router,
      acmeUpstreams: [`127.0.0.1:${config.ports.api}`],
      wakeUpstreams: [`127.0.0.1:${config.ports.wake}`],
    }),
  };
}
