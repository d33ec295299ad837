// Pure readings of what the Docker Engine API returns: inspect results, events and
// timestamped log lines, turned into the agent's own small types.
import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerDetails, ContainerEvent } from './container-engine.js';
import { cpusOf } from '../common/docker-limits.js';

export function detailsFromInspect(info: ContainerInspectInfo): ContainerDetails {
  const state = info.State;
  const startedAtMs = Date.parse(state.StartedAt);
  const publishedPorts: Record<string, number> = {};
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const hostPort = Number(bindings?.[0]?.HostPort);
    if (Number.isInteger(hostPort) && hostPort > 0) publishedPorts[key] = hostPort;
  }
  return {
    id: info.Id,
    labels: info.Config?.Labels ?? {},
    state: state.Status,
    running: state.Running,
    // Docker reports 0 for a container that never ran: only an exit has a code.
    exitCode: state.Running || state.Status === 'created' ? null : state.ExitCode,
    oomKilled: state.OOMKilled,
    // Docker uses year 1 for "never started".
    startedAtMs: Number.isFinite(startedAtMs) && startedAtMs > 0 ? startedAtMs : null,
    publishedPorts,
    ...memoryLimit(info.HostConfig?.Memory),
    ...cpuLimit(info.HostConfig?.NanoCpus),
  };
}

/** Docker's CPU limit (billionths of a CPU, 0 for none) in CPUs, as ContainerDetails has it. */
function cpuLimit(nanoCpus: number | undefined): { cpus?: number } {
  return nanoCpus && nanoCpus > 0 ? { cpus: cpusOf(nanoCpus) } : {};
}

/** Docker's memory limit (bytes, 0 for none) in MB, as ContainerDetails has it. */
function memoryLimit(bytes: number | undefined): { memoryMb?: number } {
  return bytes && bytes > 0 ? { memoryMb: Math.round(bytes / (1024 * 1024)) } : {};
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** A container die or oom event, or null for anything else. */
export function parseContainerEvent(raw: unknown): ContainerEvent | null {
  if (!raw || typeof raw !== 'object') return null;
  const event = raw as RawEvent;
  const action = event.Action ?? event.status;
  if (event.Type !== 'container' || (action !== 'die' && action !== 'oom')) return null;
  const containerId = event.Actor?.ID ?? event.id;
  if (!containerId) return null;
  const attributes = { ...(event.Actor?.Attributes ?? {}) };
  const exitCode = attributes.exitCode === undefined ? null : Number(attributes.exitCode);
  // Attributes carry the labels plus a few of Docker's own keys.
  for (const key of ['exitCode', 'image', 'name']) delete attributes[key];
  return {
    action,
    containerId,
    labels: attributes,
    exitCode: exitCode === null || Number.isNaN(exitCode) ? null : exitCode,
    timeSeconds: event.time ?? Math.floor(Date.now() / 1000),
  };
}

/** Splits a line Docker prefixed with its RFC 3339 timestamp (`timestamps: true`). */
export function splitTimestamp(raw: string, now: () => Date = () => new Date()): { at: string; text: string } {
  const space = raw.indexOf(' ');
  const stamp = space > 0 ? raw.slice(0, space) : '';
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(stamp) ? Date.parse(stamp) : Number.NaN;
  if (Number.isNaN(parsed)) return { at: now().toISOString(), text: raw };
  return { at: new Date(parsed).toISOString(), text: raw.slice(space + 1) };
}
