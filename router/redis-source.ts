// Reads the control plane's route and certificate hashes from Redis (the router only reads).
import type { Redis } from 'ioredis';
import { sharedKeys } from '../common/protocol.js';
import { normalizeRoute, type AppRoute } from './route-table.js';
import type { RouteSnapshot } from './route-sync.js';

export async function readRouteSnapshot(redis: Redis, appsDomain: string): Promise<RouteSnapshot> {
  const entries = await redis.hgetall(sharedKeys.routes);
  const table = new Map<string, AppRoute>();
  const problems: string[] = [];
  for (const [appName, json] of Object.entries(entries)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      problems.push(`route of ${appName} is not JSON`);
      continue;
    }
    const { route, problems: routeProblems } = normalizeRoute(parsed, appsDomain);
    problems.push(...routeProblems.map((p) => `${appName}: ${p}`));
    if (!route) continue;
    if (route.appName !== appName) {
      problems.push(`route stored under ${appName} names app ${route.appName}`);
      continue;
    }
    table.set(appName, route);
  }
  return { table, problems };
}

export function readCertificateRecords(redis: Redis): Promise<Record<string, string>> {
  return redis.hgetall(sharedKeys.certificates);
}

export function readCertificateRecord(redis: Redis, hostname: string): Promise<string | null> {
  return redis.hget(sharedKeys.certificates, hostname);
}
