// Decides how to move HAProxy from what it holds to what the route table says, as an
// ordered list of operations that never drop a request: new servers before the hostnames
// that lead to them, hostnames away before their servers drain, drained servers deleted
// only once their sessions are done. Pure.
import { MAINTENANCE_BACKEND, TLS_POLICY_SUFFIX, WAKE_BACKEND } from './haproxy-config.js';
import { backendKey, type AppRoute, type RouteTable } from './route-table.js';
import { applyOp, cloneState, slotOfApp, type DataPlaneOp, type DataPlaneState, type ServerState, type SlotState } from './data-plane-state.js';

export interface PlanOptions {
  now: number;
  /** A freed slot is not given to another app before this (late log lines stay attributable). */
  slotQuarantineMs: number;
}

export interface Plan {
  ops: DataPlaneOp[];
  /** Apps that got no slot because all are taken: the pool must grow (one reload). */
  appsWithoutSlot: string[];
  /** Hostnames claimed by more than one app, and the app that keeps each. */
  conflicts: { hostname: string; apps: string[]; winner: string }[];
}

/** The hosts map's key for a hostname's TLS policy. */
export function tlsPolicyKey(hostname: string): string {
  return `${hostname}${TLS_POLICY_SUFFIX}`;
}

/** Pure: an app's TLS policy as the map holds it (`redirect`, `hsts`, `redirect-hsts`), or null. */
export function tlsPolicy(route: Pick<AppRoute, 'httpsRedirect' | 'hsts'> | undefined): string | null {
  const parts = [route?.httpsRedirect ? 'redirect' : null, route?.hsts ? 'hsts' : null].filter(Boolean);
  return parts.length > 0 ? parts.join('-') : null;
}

export function planRouteChanges(table: RouteTable, current: DataPlaneState, options: PlanOptions): Plan {
  const draft = cloneState(current);
  const ops: DataPlaneOp[] = [];
  const emit = (op: DataPlaneOp) => {
    applyOp(draft, op);
    ops.push(op);
  };
  const appsWithoutSlot: string[] = [];
  const appNames = [...table.keys()].sort();

  // 1. A slot for every app, and its new (or returning) servers, before any hostname points at them.
  for (const appName of appNames) {
    const route = table.get(appName)!;
    let slot = slotOfApp(draft, appName);
    if (!slot) {
      const free = freeSlot(draft, options);
      if (!free) {
        appsWithoutSlot.push(appName);
        continue;
      }
      emit({ type: 'assign-slot', slot: free.name, appName });
      slot = free;
    }
    for (const backend of route.backends) {
      const existing = slot.servers.find(
        (s) => s.appName === appName && s.instanceId === backend.instanceId && backendKey(s) === backendKey(backend),
      );
      if (existing) {
        if (existing.drainingSince !== null) emit({ type: 'ready-server', slot: slot.name, server: existing.name });
        continue;
      }
      const server: ServerState = {
        name: `s${draft.nextServerNumber}`,
        appName,
        instanceId: backend.instanceId,
        address: backend.address,
        port: backend.port,
        drainingSince: null,
      };
      emit({ type: 'add-server', slot: slot.name, server });
    }
  }

  // 2. Hostnames: point each at its app's slot, then remove the ones no app claims.
  const { owners, conflicts } = hostnameOwners(table, current);
  const desiredHosts = new Map<string, string>();
  for (const [hostname, appName] of owners) {
    // An app in maintenance keeps its slot and servers; its hostnames lead to the page.
    if (table.get(appName)?.maintenance) {
      desiredHosts.set(hostname, MAINTENANCE_BACKEND);
      continue;
    }
    // A sleeping app keeps its slot too; its hostnames lead to the waker until it is up again.
    if (table.get(appName)?.sleeping) {
      desiredHosts.set(hostname, WAKE_BACKEND);
      continue;
    }
    const slot = slotOfApp(draft, appName);
    if (slot) desiredHosts.set(hostname, slot.name);
  }
  // An app's TLS policy rides in the same map under `<hostname>:tls` (no hostname has a ':').
  for (const [hostname, appName] of owners) {
    const policy = tlsPolicy(table.get(appName));
    if (policy) desiredHosts.set(tlsPolicyKey(hostname), policy);
  }
  for (const [hostname, slot] of [...desiredHosts].sort(([a], [b]) => a.localeCompare(b))) {
    const held = draft.hosts.get(hostname);
    if (held !== slot) emit({ type: 'set-host', hostname, slot, replace: held !== undefined });
  }
  for (const hostname of [...draft.hosts.keys()].sort()) {
    if (!desiredHosts.has(hostname)) emit({ type: 'delete-host', hostname });
  }

  // 3. Drain what no route lists any more; free the slots of apps that are gone.
  for (const slot of draft.slots) {
    const route = slot.appName ? table.get(slot.appName) : undefined;
    const wanted = new Set((route?.backends ?? []).map((b) => `${b.instanceId} ${backendKey(b)}`));
    for (const server of slot.servers) {
      if (server.drainingSince !== null) continue;
      const keep = route !== undefined && server.appName === slot.appName && wanted.has(`${server.instanceId} ${backendKey(server)}`);
      if (!keep) emit({ type: 'drain-server', slot: slot.name, server: server.name, at: options.now });
    }
    if (slot.appName !== null && !table.has(slot.appName)) emit({ type: 'release-slot', slot: slot.name, at: options.now });
  }

  return { ops, appsWithoutSlot, conflicts };
}

/**
 * Which draining servers can go: those with no session left, and those whose drain timed
 * out (their sessions are cut). `sessions` holds HAProxy's current sessions per
 * `slot/server`; a server HAProxy does not know is simply forgotten.
 */
export function planDrainDeletions(
  state: DataPlaneState,
  sessions: ReadonlyMap<string, number>,
  now: number,
  drainTimeoutMs: number,
): DataPlaneOp[] {
  const ops: DataPlaneOp[] = [];
  for (const slot of state.slots) {
    for (const server of slot.servers) {
      if (server.drainingSince === null) continue;
      const current = sessions.get(`${slot.name}/${server.name}`) ?? 0;
      if (current === 0) ops.push({ type: 'delete-server', slot: slot.name, server: server.name, force: false });
      else if (now - server.drainingSince >= drainTimeoutMs) {
        ops.push({ type: 'delete-server', slot: slot.name, server: server.name, force: true });
      }
    }
  }
  return ops;
}

/** How many slots the pool needs so that every app (and some growth) fits: at least double. */
export function grownSlotCount(current: number, missing: number): number {
  return Math.max(current * 2, current + missing);
}

function freeSlot(state: DataPlaneState, options: PlanOptions): SlotState | undefined {
  const candidates = state.slots.filter(
    (slot) =>
      slot.appName === null &&
      slot.servers.length === 0 &&
      (slot.freedAt === null || options.now - slot.freedAt >= options.slotQuarantineMs),
  );
  // Never-used slots first, then the one freed longest ago.
  candidates.sort((a, b) => (a.freedAt ?? -Infinity) - (b.freedAt ?? -Infinity));
  return candidates[0];
}

function hostnameOwners(table: RouteTable, current: DataPlaneState) {
  const claims = new Map<string, string[]>();
  for (const [appName, route] of table) {
    for (const hostname of route.hostnames) claims.set(hostname, [...(claims.get(hostname) ?? []), appName]);
  }
  const owners = new Map<string, string>();
  const conflicts: Plan['conflicts'] = [];
  for (const [hostname, apps] of claims) {
    if (apps.length === 1) {
      owners.set(hostname, apps[0]!);
      continue;
    }
    // The app that holds the hostname now keeps it; otherwise the first by name.
    const heldBySlot = current.hosts.get(hostname);
    const holder = current.slots.find((slot) => slot.name === heldBySlot)?.appName;
    const sorted = [...apps].sort();
    const winner = holder && apps.includes(holder) ? holder : sorted[0]!;
    owners.set(hostname, winner);
    conflicts.push({ hostname, apps: sorted, winner });
  }
  return { owners, conflicts };
}
