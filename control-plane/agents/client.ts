// How the control plane commands agents: NATS request/reply with timeouts.
import type { NatsConnection } from 'nats';
import { CAPTURE_TIMEOUT_MS } from '../backups/plan.js';
import {
  decode,
  runAddonReply,
  type AddonRequest,
  type RunAddonReply,
  type RunAddonRequest,
  type RotateAddonPasswordRequest,
  type AddonInfoRequest,
  type AddonWriteAccessRequest,
  type AddonWriteAccessReply,
  addonWriteAccessReply,
  type AddonInfoReply,
  addonInfoReply,
  addonBackupReply,
  type AddonBackupReply,
  type AddonBackupRequest,
  encode,
  listInstancesReply,
  runInstanceReply,
  reply,
  subjects,
  type ListInstancesReply,
  type Reply,
  type RunInstanceReply,
  type RunInstanceRequest,
  type RunOneOffRequest,
  type StopInstanceRequest,
  type StopOneOffRequest,
} from '../../common/protocol.js';

export interface AgentClient {
  run(hostId: string, request: RunInstanceRequest): Promise<RunInstanceReply>;
  stop(hostId: string, request: StopInstanceRequest): Promise<Reply>;
  list(hostId: string): Promise<ListInstancesReply>;
  /** Starts a one-off container; the reply comes once it runs, its events on subjects.oneOffEvents. */
  oneOff(hostId: string, request: RunOneOffRequest): Promise<Reply>;
  stopOneOff(hostId: string, request: StopOneOffRequest): Promise<Reply>;
}

/** Add-ons' servers on a host (the agent's addons.ts). */
export interface AddonAgents {
  runAddon(hostId: string, request: RunAddonRequest): Promise<RunAddonReply>;
  removeAddon(hostId: string, request: AddonRequest): Promise<Reply>;
  rotateAddonPassword(hostId: string, request: RotateAddonPasswordRequest): Promise<Reply>;
  addonInfo(hostId: string, request: AddonInfoRequest): Promise<AddonInfoReply>;
}

/** The storage limit's enforcement (addons/storage-enforcement.ts). */
export interface AddonWriteAccessAgents {
  setAddonWriteAccess(hostId: string, request: AddonWriteAccessRequest): Promise<AddonWriteAccessReply>;
}

export class AgentRequestError extends Error {
  override name = 'AgentRequestError';
}

/** How long a backup capture or restore may take on its host (control-plane/backups/plan.ts). */
const BACKUP_TIMEOUT_MS = CAPTURE_TIMEOUT_MS;

export class NatsAgentClient implements AgentClient, AddonAgents, AddonWriteAccessAgents {
  constructor(
    private readonly nats: NatsConnection,
    private readonly timeouts = { run: 120_000, stop: 60_000, list: 5_000, oneOff: 120_000 },
  ) {}

  private async request<T>(subject: string, body: unknown, timeout: number, parse: (data: Uint8Array) => T): Promise<T> {
    try {
      const message = await this.nats.request(subject, encode(body), { timeout });
      return parse(message.data);
    } catch (err) {
      throw new AgentRequestError(`request to ${subject} failed`, { cause: err });
    }
  }

  run(hostId: string, request: RunInstanceRequest): Promise<RunInstanceReply> {
    return this.request(subjects.run(hostId), request, this.timeouts.run, (d) => decode(runInstanceReply, d));
  }

  stop(hostId: string, request: StopInstanceRequest): Promise<Reply> {
    // the agent waits up to the grace period before killing: allow for it
    const timeout = this.timeouts.stop + request.graceSeconds * 1000;
    return this.request(subjects.stop(hostId), request, timeout, (d) => decode(reply, d));
  }

  oneOff(hostId: string, request: RunOneOffRequest): Promise<Reply> {
    // like a run, the agent may pull the image first
    return this.request(subjects.oneOff(hostId), request, this.timeouts.oneOff, (d) => decode(reply, d));
  }

  stopOneOff(hostId: string, request: StopOneOffRequest): Promise<Reply> {
    return this.request(subjects.oneOffStop(hostId), request, this.timeouts.stop + request.graceSeconds * 1000, (d) => decode(reply, d));
  }

  /** The agent may pull the image and PostgreSQL's first start runs initdb: a generous timeout. */
  runAddon(hostId: string, request: RunAddonRequest): Promise<RunAddonReply> {
    return this.request(subjects.addonRun(hostId), request, 180_000, (d) => decode(runAddonReply, d));
  }

  removeAddon(hostId: string, request: AddonRequest): Promise<Reply> {
    return this.request(subjects.addonRemove(hostId), request, this.timeouts.stop, (d) => decode(reply, d));
  }

  rotateAddonPassword(hostId: string, request: RotateAddonPasswordRequest): Promise<Reply> {
    return this.request(subjects.addonRotate(hostId), request, this.timeouts.stop, (d) => decode(reply, d));
  }

  /** A capture or restore streams the whole database: as long as a large one may take. */
  addonBackup(hostId: string, request: AddonBackupRequest): Promise<AddonBackupReply> {
    return this.request(subjects.addonBackup(hostId), request, BACKUP_TIMEOUT_MS, (d) => decode(addonBackupReply, d));
  }

  addonRestore(hostId: string, request: AddonBackupRequest): Promise<Reply> {
    return this.request(subjects.addonRestore(hostId), request, BACKUP_TIMEOUT_MS, (d) => decode(reply, d));
  }

  addonInfo(hostId: string, request: AddonInfoRequest): Promise<AddonInfoReply> {
    return this.request(subjects.addonInfo(hostId), request, this.timeouts.list * 3, (d) => decode(addonInfoReply, d));
  }

  setAddonWriteAccess(hostId: string, request: AddonWriteAccessRequest): Promise<AddonWriteAccessReply> {
    return this.request(subjects.addonWriteAccess(hostId), request, this.timeouts.stop, (d) => decode(addonWriteAccessReply, d));
  }

  list(hostId: string): Promise<ListInstancesReply> {
    return this.request(subjects.list(hostId), {}, this.timeouts.list, (d) => decode(listInstancesReply, d));
  }
}
