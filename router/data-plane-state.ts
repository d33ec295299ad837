// What the controller knows HAProxy holds: backend slots (one per app), their servers, and
// the host → slot map. Operations change it one step at a time, so the same plan can be
// applied to a running HAProxy (through the Runtime API) or to a config file. Pure.

export interface ServerState {
  /** HAProxy server name, unique for the controller's lifetime (`s<n>`). */
  name: string;
  appName: string;
  instanceId: string;
  address: string;
  port: number;
  /** Set while the server drains: when it started (ms since epoch). */
  drainingSince: number | null;
}

export interface SlotState {
  /** HAProxy backend name (`slot_<n>`). */
  name: string;
  appName: string | null;
  servers: ServerState[];
  /** When the slot's app went away; a slot is reused only after a quarantine. */
  freedAt: number | null;
}

export interface DataPlaneState {
  slots: SlotState[];
  /** hostname → slot name */
  hosts: Map<string, string>;
  nextServerNumber: number;
}

export type DataPlaneOp =
  | { type: 'assign-slot'; slot: string; appName: string }
  | { type: 'add-server'; slot: string; server: ServerState }
  | { type: 'ready-server'; slot: string; server: string }
  | { type: 'drain-server'; slot: string; server: string; at: number }
  | { type: 'delete-server'; slot: string; server: string; force: boolean }
  | { type: 'set-host'; hostname: string; slot: string; replace: boolean }
  | { type: 'delete-host'; hostname: string }
  | { type: 'release-slot'; slot: string; at: number };

const SLOT_PREFIX = 'slot_';

export function slotName(index: number): string {
  return `${SLOT_PREFIX}${index}`;
}

export function emptyState(slotCount: number): DataPlaneState {
  const state: DataPlaneState = { slots: [], hosts: new Map(), nextServerNumber: 1 };
  addSlots(state, slotCount);
  return state;
}

/** Appends `count` empty slots (the config must then be reloaded to declare them). */
export function addSlots(state: DataPlaneState, count: number): void {
  const start = state.slots.length;
  for (let i = 0; i < count; i++) state.slots.push({ name: slotName(start + i), appName: null, servers: [], freedAt: null });
}

/** Slots are only ever appended, so a slot's name says where it is (this runs per access log line). */
export function findSlot(state: DataPlaneState, name: string): SlotState | undefined {
  if (!name.startsWith(SLOT_PREFIX)) return undefined;
  const slot = state.slots[Number(name.slice(SLOT_PREFIX.length))];
  return slot?.name === name ? slot : undefined;
}

export function slotOfApp(state: DataPlaneState, appName: string): SlotState | undefined {
  return state.slots.find((slot) => slot.appName === appName);
}

/** Applies one operation to the state, in place. */
export function applyOp(state: DataPlaneState, op: DataPlaneOp): void {
  switch (op.type) {
    case 'assign-slot': {
      const slot = requireSlot(state, op.slot);
      slot.appName = op.appName;
      slot.freedAt = null;
      return;
    }
    case 'add-server': {
      requireSlot(state, op.slot).servers.push({ ...op.server });
      const number = Number(op.server.name.slice(1));
      if (Number.isInteger(number) && number >= state.nextServerNumber) state.nextServerNumber = number + 1;
      return;
    }
    case 'ready-server':
      requireServer(state, op.slot, op.server).drainingSince = null;
      return;
    case 'drain-server': {
      const server = requireServer(state, op.slot, op.server);
      server.drainingSince ??= op.at;
      return;
    }
    case 'delete-server': {
      const slot = requireSlot(state, op.slot);
      slot.servers = slot.servers.filter((server) => server.name !== op.server);
      return;
    }
    case 'set-host':
      state.hosts.set(op.hostname, op.slot);
      return;
    case 'delete-host':
      state.hosts.delete(op.hostname);
      return;
    case 'release-slot': {
      const slot = requireSlot(state, op.slot);
      slot.appName = null;
      slot.freedAt = op.at;
      return;
    }
  }
}

/** A copy for the config renderer or a dry run: servers still draining are left out, as a fresh HAProxy would not have them. */
export function withoutDraining(state: DataPlaneState): DataPlaneState {
  return {
    slots: state.slots.map((slot) => ({ ...slot, servers: slot.servers.filter((s) => s.drainingSince === null).map((s) => ({ ...s })) })),
    hosts: new Map(state.hosts),
    nextServerNumber: state.nextServerNumber,
  };
}

export function cloneState(state: DataPlaneState): DataPlaneState {
  return {
    slots: state.slots.map((slot) => ({ ...slot, servers: slot.servers.map((s) => ({ ...s })) })),
    hosts: new Map(state.hosts),
    nextServerNumber: state.nextServerNumber,
  };
}

function requireSlot(state: DataPlaneState, name: string): SlotState {
  const slot = findSlot(state, name);
  if (!slot) throw new Error(`no backend slot named ${name}`);
  return slot;
}

function requireServer(state: DataPlaneState, slotName: string, serverName: string): ServerState {
  const server = requireSlot(state, slotName).servers.find((s) => s.name === serverName);
  if (!server) throw new Error(`no server ${slotName}/${serverName}`);
  return server;
}
