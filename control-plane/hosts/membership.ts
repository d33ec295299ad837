// Which hosts belong to the platform and what they report: registration with each host's
// own credentials, heartbeats, instance events, and marking silent hosts down.
import type { AppLogger } from '../app-logs.js';
import type { Logger } from '../../common/logger.js';
import type { Heartbeat, InstanceEvent, InstanceStatus, RegisterRequest, Reply } from '../../common/protocol.js';
import type { Host, Instance } from '../../common/types.js';
import type { AgentClient } from '../agents/client.js';
import type { Converger } from '../converger.js';
import type { HostStore } from '../store/hosts.js';
import type { InstanceStore } from '../store/instances.js';
import { now } from '../store/json.js';

/** How long a record may be missing from its host's heartbeat before it counts as lost. */
const MISSING_GRACE_MS = 10_000;

export interface MembershipDeps {
  hosts: HostStore;
  instances: InstanceStore;
  agents: AgentClient;
  converger: Converger;
  logger: Logger;
  hostDownAfterMs: number;
  /** Platform events in the app's log, as Heroku writes them (state changes). */
  appLog?: AppLogger;
}

/** Pure: the app-log lines for an instance's state change, in Heroku's words (a crash that is an
 *  exit first says `Process exited with status N`); none for changes not worth a line. */
export function stateChangeLines(from: Instance['state'], to: Instance['state'], reason: string | null, exitCode: number | null = null): string[] {
  if (from === to || to === 'stopping' || to === 'down') return [];
  const change = `State changed from ${from} to ${to}`;
  if (to !== 'crashed') return [change];
  if (exitCode === null) return [reason ? `${change}: ${reason}` : change];
  // The agent words an exit `exited with code N`, with a cause after it when it knows one.
  const exitWords = `exited with code ${exitCode}`;
  const cause = reason?.startsWith(exitWords) ? reason.slice(exitWords.length) : reason ? `: ${reason}` : '';
  return [`Process exited with status ${exitCode}${cause}`, change];
}

/** Pure: how a reported instance status changes a record, or null for no change. */
export function applyStatus(record: Instance, status: Pick<InstanceStatus, 'state' | 'port' | 'exitCode' | 'reason'>): Partial<Instance> | null {
  // A stop in progress owns the record until it removes it.
  if (record.state === 'stopping') return null;
  if (record.state === status.state && record.port === (status.port ?? record.port)) return null;
  return {
    state: status.state,
    port: status.port ?? record.port,
    exitCode: status.exitCode,
    reason: status.reason,
  };
}

/** Pure: hosts not yet down that sent no heartbeat for `downAfterMs` of the time the control
 *  plane could hear them (since `hearingSinceMs`: see hearing.ts). */
export function silentHosts(hosts: readonly Host[], nowMs: number, downAfterMs: number, hearingSinceMs: number): Host[] {
  return hosts.filter((h) => {
    const lastHeard = Math.max(hearingSinceMs, h.lastHeartbeat ? Date.parse(h.lastHeartbeat) : 0);
    return h.state !== 'down' && nowMs - lastHeard > downAfterMs;
  });
}

export class Membership {
  private readonly rejectedWarnings = new Map<string, number>();

  constructor(private readonly deps: MembershipDeps) {}

  async register(subjectHostId: string, request: RegisterRequest): Promise<Reply> {
    const host = await this.deps.hosts.get(request.hostId);
    const trusted =
      request.hostId === subjectHostId && host !== null && (await this.deps.hosts.verifyToken(request.hostId, request.token));
    if (!trusted || !host) {
      this.warnRejected(request.hostId, 'registration');
      return { ok: false, error: 'unknown or revoked host credentials' };
    }
    await this.deps.hosts.save({
      ...host,
      address: request.address,
      capacity: request.capacity,
      state: host.state === 'draining' ? 'draining' : 'up',
      lastHeartbeat: now(),
    });
    this.deps.logger.info({ host: host.id, address: request.address, capacity: request.capacity }, 'host registered');
    void this.deps.converger.convergeAll();
    return { ok: true };
  }

  async heartbeat(subjectHostId: string, beat: Heartbeat): Promise<void> {
    const host = await this.deps.hosts.get(beat.hostId);
    if (beat.hostId !== subjectHostId || !host || !(await this.deps.hosts.verifyToken(beat.hostId, beat.token))) {
      this.warnRejected(beat.hostId, 'heartbeat');
      return;
    }
    const cameBack = host.state === 'down';
    await this.deps.hosts.save({
      ...host,
      capacity: beat.capacity,
      state: cameBack ? 'up' : host.state,
      lastHeartbeat: now(),
    });
    if (cameBack) this.deps.logger.info({ host: host.id }, 'host is back up');

    const reported = new Map(beat.instances.map((s) => [s.instanceId, s]));
    const records = await this.deps.instances.listForHost(host.id);
    const known = new Set(records.map((r) => r.id));
    const touchedApps = new Set<string>();
    for (const record of records) {
      const status = reported.get(record.id);
      if (status) {
        const updated = await this.deps.instances.update(record.id, (current) => applyStatus(current, status));
        if (updated && updated.state !== record.state) touchedApps.add(record.appId);
      } else if (record.state !== 'stopping' && Date.now() - Date.parse(record.createdAt) > MISSING_GRACE_MS) {
        // The host no longer runs it (agent restarted, container removed): gone.
        await this.deps.instances.update(record.id, (current) =>
          current.state === 'stopping' ? null : { state: 'down', reason: 'no longer running on its host' },
        );
        touchedApps.add(record.appId);
      }
    }
    for (const status of beat.instances) {
      if (!known.has(status.instanceId) && status.state !== 'down') {
        // Not ours (any more): an orphan from a lost message or a removed app.
        this.deps.logger.warn({ host: host.id, instance: status.instanceId }, 'stopping orphan instance');
        void this.deps.agents.stop(host.id, { instanceId: status.instanceId, graceSeconds: 5 }).catch(() => {});
      }
    }
    for (const appId of touchedApps) void this.deps.converger.convergeApp(appId);
  }

  async instanceEvent(subjectHostId: string, event: InstanceEvent): Promise<void> {
    if (event.hostId !== subjectHostId) return;
    const host = await this.deps.hosts.get(event.hostId);
    if (!host) return;
    const record = await this.deps.instances.get(event.instanceId);
    if (!record || record.hostId !== event.hostId) return;
    const updated = await this.deps.instances.update(record.id, (current) => applyStatus(current, event));
    if (updated && updated.state !== record.state) {
      for (const line of stateChangeLines(record.state, updated.state, updated.reason, updated.exitCode ?? null)) {
        this.deps.appLog?.({ id: record.appId, name: record.appName }, `${record.type}.${record.index}`, line);
      }
      void this.deps.converger.convergeApp(record.appId);
    }
  }

  /** Marks hosts that stopped heartbeating as down; their instances are placed elsewhere (and
   *  kept, to be adopted back if the host returns). */
  async markSilentHostsDown(hearingSinceMs: number): Promise<Host[]> {
    const silent = silentHosts(await this.deps.hosts.list(), Date.now(), this.deps.hostDownAfterMs, hearingSinceMs);
    for (const host of silent) {
      await this.deps.hosts.save({ ...host, state: 'down' });
      this.deps.logger.warn({ host: host.id, lastHeartbeat: host.lastHeartbeat }, 'host missed its heartbeats: marked down');
    }
    if (silent.length > 0) await this.deps.converger.convergeAll();
    return silent;
  }

  private warnRejected(hostId: string, what: string): void {
    const last = this.rejectedWarnings.get(hostId) ?? 0;
    if (Date.now() - last < 30_000) return;
    this.rejectedWarnings.set(hostId, Date.now());
    this.deps.logger.warn({ host: hostId }, `${what} rejected: unknown or revoked host credentials`);
  }
}
