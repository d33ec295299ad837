// What routers should send an app's traffic to: its web instances that are up, on every host
// that still exists. Draining hosts keep serving until replacements are up, and so do hosts
// marked down: a host that only went quiet (its link to NATS, not its containers) still
// serves, and the routers' health checks take out the instances that really stopped answering.
import type { NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { encode, sharedKeys, subjects } from '../../common/protocol.js';
import type { App, Host, Instance, Route } from '../../common/types.js';
import { keys } from '../store/keys.js';

export function computeRoute(app: Pick<App, 'id' | 'name' | 'maintenance' | 'sleepingSince' | 'waking' | 'httpsRedirect' | 'hsts'>, hostnames: readonly string[], instances: readonly Instance[], hosts: readonly Host[]): Route {
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  const backends = instances
    .filter((i) => i.type === 'web' && i.state === 'up' && i.port !== null)
    .flatMap((i) => {
      const host = hostById.get(i.hostId);
      if (!host) return [];
      return [{ instanceId: i.id, address: host.address, port: i.port! }];
    })
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return {
    appName: app.name,
    appId: app.id,
    hostnames: [...hostnames],
    backends,
    ...(app.maintenance ? { maintenance: true } : {}),
    // a woken app's requests go to the waker until it has a web dyno to answer them
    ...(app.sleepingSince || (app.waking && backends.length === 0) ? { sleeping: true } : {}),
    ...(app.httpsRedirect ? { httpsRedirect: true } : {}),
    ...(app.hsts ? { hsts: true } : {}),
  };
}

/** KEYS: the routes hash, the app's record; ARGV: route name, route JSON, whether to check the
 *  app. Writes the route unless it is already there (0) or, for an app's route, unless the app
 *  is gone or no longer has that name (-1): a pass that read the app before a rename or a
 *  delete must not bring back a route under a name the app has left. */
const PUBLISH_ROUTE = `
if ARGV[3] == '1' then
  local raw = redis.call('GET', KEYS[2])
  if not raw then return -1 end
  if cjson.decode(raw)['name'] ~= ARGV[1] then return -1 end
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Writes routes to Redis (the routers' snapshot) and announces changes on NATS. */
export class RoutePublisher {
  constructor(private readonly redis: Redis, private readonly nats: NatsConnection) {}

  /** Publishes only when the route differs from what routers already have, and only under the
   *  name its app has now (a route without an app id, the API's own, always). */
  async publish(route: Route): Promise<boolean> {
    const json = JSON.stringify(route);
    // (The API's route has no app: its second key is not read.)
    const appKey = route.appId ? keys.app(route.appId) : sharedKeys.routes;
    const written = (await this.redis.eval(PUBLISH_ROUTE, 2, sharedKeys.routes, appKey, route.appName, json, route.appId ? '1' : '0')) as number;
    if (written !== 1) return false;
    this.nats.publish(subjects.routeChanged, encode(route));
    return true;
  }

  async remove(appName: string): Promise<void> {
    await this.redis.hdel(sharedKeys.routes, appName);
    this.nats.publish(subjects.routeChanged, encode({ appName, hostnames: [], backends: [] } satisfies Route));
  }
}
