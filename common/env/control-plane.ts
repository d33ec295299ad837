// The control plane's environment as its launchers write it (the supervisor, the AWS
// control plane's user data), read back by control-plane/config.ts (checked at compile time
// to parse every key). Host providers' own settings have their writer beside them
// (host-providers/aws/hosts-settings.ts).

export interface ControlPlaneLaunchSettings {
  home: string;
  redisUrl: string;
  natsUrl: string;
  /** per-host NATS users: the authorization file, the platform users' passwords, and the pid to signal (none: a file watcher reloads) */
  natsAuth?: { authFile: string; platformUsersFile: string; pidFile?: string };
  /** host[:port] of the platform registry */
  registry: string;
  registryAuthFile?: string;
  /** the key that signs the registry's tokens and its certificate: the control plane serves them (Docker's token auth) */
  registryTokenKeys?: { keyFile: string; certFile: string };
  /** Heroku's rendezvous (the stock `heroku run`): its port and TLS certificate */
  rendezvous?: { port: number; certFile: string; keyFile: string };
  /** the API (and git) over TLS too: its port and certificate */
  apiTls?: { port: number; certFile: string; keyFile: string };
  repositories?: { appPrefix: string; stack: string };
  apiHost?: string;
  apiPort?: number;
  /** the waker's port and address: where the routers send a sleeping app's requests */
  wakePort?: number;
  wakeBind?: string;
  /** the API served through the routers under this hostname too */
  apiHostname?: string;
  appsDomain?: string;
  routerUrl?: string;
  bootstrapAdminToken?: string;
  hostProvider?: 'local' | 'aws';
  localHosts?: number;
  logLevel?: string;
}

export type ControlPlaneEnvKey =
  | 'SLIPWAY_HOME'
  | 'SLIPWAY_REDIS_URL'
  | 'SLIPWAY_NATS_URL'
  | 'SLIPWAY_NATS_AUTH_FILE'
  | 'SLIPWAY_NATS_PLATFORM_USERS_FILE'
  | 'SLIPWAY_NATS_PID_FILE'
  | 'SLIPWAY_REGISTRY'
  | 'SLIPWAY_REGISTRY_AUTH_FILE'
  | 'SLIPWAY_REGISTRY_TOKEN_KEY_FILE'
  | 'SLIPWAY_RENDEZVOUS_PORT'
  | 'SLIPWAY_RENDEZVOUS_CERT_FILE'
  | 'SLIPWAY_RENDEZVOUS_KEY_FILE'
  | 'SLIPWAY_API_TLS_PORT'
  | 'SLIPWAY_API_TLS_CERT_FILE'
  | 'SLIPWAY_API_TLS_KEY_FILE'
  | 'SLIPWAY_REGISTRY_TOKEN_CERT_FILE'
  | 'SLIPWAY_REGISTRY_REPOSITORY_PREFIX'
  | 'SLIPWAY_REGISTRY_STACK_REPOSITORY'
  | 'SLIPWAY_API_HOST'
  | 'SLIPWAY_API_PORT'
  | 'SLIPWAY_WAKE_PORT'
  | 'SLIPWAY_WAKE_BIND'
  | 'SLIPWAY_API_HOSTNAME'
  | 'SLIPWAY_APPS_DOMAIN'
  | 'SLIPWAY_ROUTER_URL'
  | 'SLIPWAY_BOOTSTRAP_ADMIN_TOKEN'
  | 'SLIPWAY_HOST_PROVIDER'
  | 'SLIPWAY_LOCAL_HOSTS'
  | 'SLIPWAY_LOG_LEVEL';

/** Pure: the env keys for `settings` (only those it sets). */
export function controlPlaneEnvironment(settings: ControlPlaneLaunchSettings): Partial<Record<ControlPlaneEnvKey, string>> {
  const optional = (key: ControlPlaneEnvKey, value: string | number | undefined) => (value === undefined ? {} : { [key]: String(value) });
  return {
    SLIPWAY_HOME: settings.home,
    ...optional('SLIPWAY_API_HOST', settings.apiHost),
    ...optional('SLIPWAY_API_PORT', settings.apiPort),
    ...optional('SLIPWAY_WAKE_PORT', settings.wakePort),
    ...optional('SLIPWAY_WAKE_BIND', settings.wakeBind),
    ...optional('SLIPWAY_APPS_DOMAIN', settings.appsDomain),
    ...optional('SLIPWAY_API_HOSTNAME', settings.apiHostname),
    ...optional('SLIPWAY_BOOTSTRAP_ADMIN_TOKEN', settings.bootstrapAdminToken),
    SLIPWAY_REDIS_URL: settings.redisUrl,
    SLIPWAY_NATS_URL: settings.natsUrl,
    ...optional('SLIPWAY_NATS_AUTH_FILE', settings.natsAuth?.authFile),
    ...optional('SLIPWAY_NATS_PID_FILE', settings.natsAuth?.pidFile),
    ...optional('SLIPWAY_NATS_PLATFORM_USERS_FILE', settings.natsAuth?.platformUsersFile),
    SLIPWAY_REGISTRY: settings.registry,
    ...optional('SLIPWAY_REGISTRY_AUTH_FILE', settings.registryAuthFile),
    ...optional('SLIPWAY_REGISTRY_TOKEN_KEY_FILE', settings.registryTokenKeys?.keyFile),
    ...optional('SLIPWAY_REGISTRY_TOKEN_CERT_FILE', settings.registryTokenKeys?.certFile),
    ...optional('SLIPWAY_RENDEZVOUS_PORT', settings.rendezvous?.port),
    ...optional('SLIPWAY_RENDEZVOUS_CERT_FILE', settings.rendezvous?.certFile),
    ...optional('SLIPWAY_RENDEZVOUS_KEY_FILE', settings.rendezvous?.keyFile),
    ...optional('SLIPWAY_API_TLS_PORT', settings.apiTls?.port),
    ...optional('SLIPWAY_API_TLS_CERT_FILE', settings.apiTls?.certFile),
    ...optional('SLIPWAY_API_TLS_KEY_FILE', settings.apiTls?.keyFile),
    ...optional('SLIPWAY_REGISTRY_REPOSITORY_PREFIX', settings.repositories?.appPrefix),
    ...optional('SLIPWAY_REGISTRY_STACK_REPOSITORY', settings.repositories?.stack),
    ...optional('SLIPWAY_ROUTER_URL', settings.routerUrl),
    ...optional('SLIPWAY_HOST_PROVIDER', settings.hostProvider),
    ...optional('SLIPWAY_LOCAL_HOSTS', settings.localHosts),
    ...optional('SLIPWAY_LOG_LEVEL', settings.logLevel),
  };
}
