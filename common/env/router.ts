// The router's environment as its launchers write it (the supervisor, the AWS routers' user
// data), read back by router/config.ts (checked at compile time to parse every key).

export interface RouterLaunchSettings {
  redisUrl: string;
  natsUrl: string;
  appsDomain?: string;
  bind?: string;
  httpPort?: number;
  httpsPort?: number;
  metricsPort?: number;
  stateDir?: string;
  /** `$SLIPWAY_HOME`, when the launcher has one */
  home?: string;
  logLevel?: string;
  /** The control planes' API (host:port) that answers ACME HTTP-01 challenges. */
  acmeUpstreams?: string[];
  /** The control planes' wakers (host:port): where a sleeping app's requests go. */
  wakeUpstreams?: string[];
}

export type RouterEnvKey =
  | 'SLIPWAY_REDIS_URL'
  | 'SLIPWAY_NATS_URL'
  | 'SLIPWAY_APPS_DOMAIN'
  | 'SLIPWAY_ROUTER_BIND'
  | 'SLIPWAY_ROUTER_HTTP_PORT'
  | 'SLIPWAY_ROUTER_HTTPS_PORT'
  | 'SLIPWAY_ROUTER_METRICS_PORT'
  | 'SLIPWAY_ROUTER_STATE_DIR'
  | 'SLIPWAY_HOME'
  | 'SLIPWAY_LOG_LEVEL'
  | 'SLIPWAY_ROUTER_ACME_UPSTREAMS'
  | 'SLIPWAY_ROUTER_WAKE_UPSTREAMS';

/** Pure: the env keys for `settings` (only those it sets). */
export function routerEnvironment(settings: RouterLaunchSettings): Partial<Record<RouterEnvKey, string>> {
  const optional = (key: RouterEnvKey, value: string | number | undefined) => (value === undefined ? {} : { [key]: String(value) });
  return {
    SLIPWAY_REDIS_URL: settings.redisUrl,
    SLIPWAY_NATS_URL: settings.natsUrl,
    ...optional('SLIPWAY_ROUTER_BIND', settings.bind),
    ...optional('SLIPWAY_ROUTER_HTTP_PORT', settings.httpPort),
    ...optional('SLIPWAY_ROUTER_HTTPS_PORT', settings.httpsPort),
    ...optional('SLIPWAY_ROUTER_METRICS_PORT', settings.metricsPort),
    ...optional('SLIPWAY_APPS_DOMAIN', settings.appsDomain),
    ...optional('SLIPWAY_ROUTER_STATE_DIR', settings.stateDir),
    ...optional('SLIPWAY_HOME', settings.home),
    ...optional('SLIPWAY_LOG_LEVEL', settings.logLevel),
    ...optional('SLIPWAY_ROUTER_ACME_UPSTREAMS', settings.acmeUpstreams?.join(',')),
    ...optional('SLIPWAY_ROUTER_WAKE_UPSTREAMS', settings.wakeUpstreams?.join(',')),
  };
}
