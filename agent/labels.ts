// The Docker labels that mark a container as one of Slipway's instances and say which host
// owns it. The agent finds its containers only through these labels, never by a name or id
// from a message, and reads an adopted container's identity back from them.
import { healthCheck, type HealthCheck } from '../common/health-check.js';
import { INSTANCE_LABELS } from '../common/labels.js';
import type { RunInstanceRequest, RunOneOffRequest } from '../common/protocol.js';

/** The instance labels, under the name the agent's code has always used. */
export const LABELS = INSTANCE_LABELS;

/** Who an instance is, as its labels record it. */
export interface InstanceIdentity {
  instanceId: string;
  appId: string;
  appName: string;
  type: string;
  index: number;
  releaseVersion: number;
  checkPort: boolean;
  bootTimeoutSeconds: number;
  healthCheck: HealthCheck | null;
  /** Seconds between SIGTERM and SIGKILL when the agent stops it on its own; absent: its default. */
  stopGraceSeconds?: number;
  /** Milliseconds between reporting it unhealthy (the route drops it) and its SIGTERM; absent: none. */
  drainMs?: number;
  /** Its dyno's CPU limit, where a startup CPU boost ends; absent (containers from before the boost): not known. */
  cpus?: number;
}

export function instanceLabels(hostId: string, request: RunInstanceRequest): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.host]: hostId,
    [LABELS.app]: request.appName,
    [LABELS.appId]: request.appId,
    [LABELS.instance]: request.instanceId,
    [LABELS.processType]: request.type,
    [LABELS.processIndex]: String(request.index),
    [LABELS.release]: String(request.releaseVersion),
    [LABELS.checkPort]: String(request.checkPort),
    [LABELS.bootTimeout]: String(request.bootTimeoutSeconds),
    [LABELS.cpus]: String(request.cpus),
    ...(request.healthCheck ? { [LABELS.healthCheck]: JSON.stringify(request.healthCheck) } : {}),
    ...(request.stopGraceSeconds !== undefined ? { [LABELS.stopGrace]: String(request.stopGraceSeconds) } : {}),
    ...(request.drainMs !== undefined ? { [LABELS.drain]: String(request.drainMs) } : {}),
  };
}

/** A one-off container's labels: its host and app, and its run instead of an instance. */
export function oneOffLabels(hostId: string, request: RunOneOffRequest): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.host]: hostId,
    [LABELS.app]: request.appName,
    [LABELS.appId]: request.appId,
    [LABELS.oneOff]: request.runId,
    [LABELS.dyno]: request.dyno,
  };
}

/** Whether a container is a one-off run rather than an instance. */
export function isOneOff(labels: Record<string, string>): boolean {
  return LABELS.oneOff in labels;
}

/** The label filter for every container of one host. */
export function hostSelector(hostId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.host]: hostId };
}

/** The label filter for one instance's containers on one host. */
export function instanceSelector(hostId: string, instanceId: string): Record<string, string> {
  return { ...hostSelector(hostId), [LABELS.instance]: instanceId };
}

/** Docker's filter syntax for a selector: ["key=value", ...]. */
export function labelFilters(selector: Record<string, string>): string[] {
  return Object.entries(selector).map(([key, value]) => `${key}=${value}`);
}

/** Whether `labels` satisfy `selector`. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** The identity recorded in a container's labels, or null when they are not a full set. */
export function identityFromLabels(labels: Record<string, string>): InstanceIdentity | null {
  const index = Number(labels[LABELS.processIndex]);
  const releaseVersion = Number(labels[LABELS.release]);
  const bootTimeoutSeconds = Number(labels[LABELS.bootTimeout] ?? 60);
  const instanceId = labels[LABELS.instance];
  const appId = labels[LABELS.appId];
  const appName = labels[LABELS.app];
  const type = labels[LABELS.processType];
  if (!instanceId || !appId || !appName || !type) return null;
  if (!Number.isInteger(index) || !Number.isInteger(releaseVersion) || !(bootTimeoutSeconds > 0)) return null;
  return {
    instanceId,
    appId,
    appName,
    type,
    index,
    releaseVersion,
    checkPort: labels[LABELS.checkPort] !== 'false',
    bootTimeoutSeconds,
    healthCheck: healthCheckFromLabel(labels[LABELS.healthCheck]),
    ...wholeNumberLabel('stopGraceSeconds', labels[LABELS.stopGrace], 300),
    ...wholeNumberLabel('drainMs', labels[LABELS.drain], 60_000),
    ...cpusLabel(labels[LABELS.cpus]),
  };
}

/** The dyno CPU limit a label records; nothing when absent or not a positive number. */
function cpusLabel(label: string | undefined): { cpus?: number } {
  const value = label === undefined || label === '' ? NaN : Number(label);
  return Number.isFinite(value) && value > 0 ? { cpus: value } : {};
}

/** A field a label records as a whole number within 0..max; nothing when absent or not one. */
function wholeNumberLabel<K extends 'stopGraceSeconds' | 'drainMs'>(field: K, label: string | undefined, max: number): Partial<Record<K, number>> {
  const value = label === undefined || label === '' ? NaN : Number(label);
  return Number.isInteger(value) && value >= 0 && value <= max ? ({ [field]: value } as Partial<Record<K, number>>) : {};
}

/** The health check a label records; null when there is none or it does not parse (the
 *  instance is then treated as having no check, as before checks existed). */
function healthCheckFromLabel(label: string | undefined): HealthCheck | null {
  if (!label) return null;
  try {
    const parsed = healthCheck.safeParse(JSON.parse(label));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `web.1`: the name Heroku gives a dyno, used in DYNO and in log lines. */
export function dynoName(identity: Pick<InstanceIdentity, 'type' | 'index'>): string {
  return `${identity.type}.${identity.index}`;
}
