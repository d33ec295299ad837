// What routers should send an app's traffic to: its web instances that are up, on every host
// that still exists. Draining hosts keep serving until replacements are up, and so do hosts
// marked down: a host that only went quiet (its link to NATS, not its containers) still
// serves, and the routers' health checks take out the instances that really stopped answering.
import type { NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { encode, sharedKeys, subjects } from '../../common/protocol.js';
import type { App, Host, Instance, Route } from '../../common/types.js';

export function computeRoute(app: Pick<App, 'id' | 'name' | 'maintenance'>, hostnames: readonly string[], instances: readonly Instance[], hosts: readonly Host[]): Route {
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  const backends = instances
    .filter((i) => i.type === 'web' && i.state === 'up' && i.port !== null)
    .flatMap((i) => {
      const host = hostById.get(i.hostId);
      if (!host) return [];
      return [{ instanceId: i.id, address: host.address, port: i.port! }];
    })
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return { appName: app.name, appId: app.id, hostnames: [...hostnames], backends, ...(app.maintenance ? { maintenance: true } : {}) };
}

/** Writes routes to Redis (the routers' snapshot) and announces changes on NATS. */
export class RoutePublisher {
  constructor(private readonly redis: Redis, private readonly nats: NatsConnection) {}

  /** Publishes only when the route differs from what routers already have. */
  async publish(route: Route): Promise<boolean> {
    const json = JSON.stringify(route);
    const previous = await this.redis.hget(sharedKeys.routes, route.appName);
    if (previous === json) return false;
    await this.redis.hset(sharedKeys.routes, route.appName, json);
    this.nats.publish(subjects.routeChanged, encode(route));
    return true;
  }

  async remove(appName: string): Promise<void> {
    await this.redis.hdel(sharedKeys.routes, appName);
    this.nats.publish(subjects.routeChanged, encode({ appName, hostnames: [], backends: [] } satisfies Route));
  }
}
