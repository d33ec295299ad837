// The route table as the router holds it in memory: one normalized entry per app, built
// from the control plane's Route records (Redis snapshot, then NATS updates). Pure.
import { isIP } from 'node:net';
import { hostnameProblem } from '../common/names.js';
import { route as routeSchema } from '../common/protocol.js';
import type { Route, RouteBackend } from '../common/types.js';

/** An app's route after validation: lowercase unique hostnames, valid unique backends. */
export interface AppRoute {
  appName: string;
  /** The key of the app's log stream (absent for the API's route). */
  appId?: string;
  hostnames: string[];
  backends: RouteBackend[];
  /** Maintenance mode: every hostname answers with the maintenance page. */
  maintenance?: boolean;
  /** Asleep: its hostnames lead to the waker, which starts it and answers. */
  sleeping?: boolean;
  /** Plain HTTP redirected to HTTPS; HSTS on HTTPS answers. */
  httpsRedirect?: boolean;
  hsts?: boolean;
}

export type RouteTable = ReadonlyMap<string, AppRoute>;

export interface NormalizedRoute {
  /** null when the route says the app is gone (no hostnames). */
  route: AppRoute | null;
  /** Hostnames and backends that were dropped, in words for the log. */
  problems: string[];
}

export function normalizeHostname(hostname: string): string {
  return hostname.trim().toLowerCase().replace(/\.$/, '');
}

/** A hostname the data plane can match exactly (custom domains and `<app>.<apps domain>`). */
export function hostnameUsable(hostname: string): boolean {
  return hostnameProblem(hostname) === null;
}

export function backendKey(backend: Pick<RouteBackend, 'address' | 'port'>): string {
  return `${backend.address}:${backend.port}`;
}

/**
 * Validates one Route. The app's default hostname `<app>.<apps domain>` is always served
 * while the route lists any hostname at all (an empty list means the app is gone).
 */
export function normalizeRoute(input: unknown, appsDomain: string): NormalizedRoute {
  const parsed = routeSchema.safeParse(input);
  if (!parsed.success) return { route: null, problems: [`invalid route: ${parsed.error.issues[0]?.message ?? 'bad shape'}`] };
  const raw: Route = parsed.data;
  const problems: string[] = [];
  if (raw.hostnames.length === 0) return { route: null, problems };
  const hostnames = new Set<string>();
  for (const candidate of [...raw.hostnames, `${raw.appName}.${appsDomain}`]) {
    const hostname = normalizeHostname(candidate);
    if (hostnameUsable(hostname)) hostnames.add(hostname);
    else problems.push(`hostname ${JSON.stringify(candidate)} is not a valid DNS name`);
  }
  const backends = new Map<string, RouteBackend>();
  for (const backend of raw.backends) {
    if (isIP(backend.address) === 0) problems.push(`backend address ${JSON.stringify(backend.address)} is not an IP address`);
    else if (backend.port < 1 || backend.port > 65535) problems.push(`backend port ${backend.port} is out of range`);
    else if (!backends.has(backendKey(backend))) backends.set(backendKey(backend), backend);
  }
  const route: AppRoute = { appName: raw.appName, hostnames: [...hostnames].sort(), backends: [...backends.values()] };
  if (raw.appId) route.appId = raw.appId;
  if (raw.maintenance) route.maintenance = true;
  if (raw.sleeping) route.sleeping = true;
  if (raw.httpsRedirect) route.httpsRedirect = true;
  if (raw.hsts) route.hsts = true;
  return { route, problems };
}

/** The table with one app's new complete state applied (null: the app is gone). */
export function withRoute(table: RouteTable, appName: string, route: AppRoute | null): Map<string, AppRoute> {
  const next = new Map(table);
  if (route) next.set(appName, route);
  else next.delete(appName);
  return next;
}

/**
 * Merges a fresh snapshot from Redis with updates that arrived over NATS while it was being
 * read: those are newer than the snapshot and win.
 */
export function mergeSnapshot(
  snapshot: ReadonlyMap<string, AppRoute>,
  current: RouteTable,
  updatedSinceSnapshot: ReadonlySet<string>,
): Map<string, AppRoute> {
  const next = new Map(snapshot);
  for (const appName of updatedSinceSnapshot) {
    const live = current.get(appName);
    if (live) next.set(appName, live);
    else next.delete(appName);
  }
  return next;
}
