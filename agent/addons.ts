// The add-ons' servers on this host: each in one labeled container over one labeled named volume
// (its data), both named after the add-on. Running is idempotent (a retried request finds the
// container and starts it if stopped); removing takes the container and then the volume;
// restarting keeps the volume. An add-on's container is restarted by Docker after a crash or an
// engine restart (unless-stopped), and started by the agent when it finds it stopped at start.
import { describeError } from '../common/errors.js';
import { KeyedSerializer } from '../common/keyed-serializer.js';
import { ephemeralPort } from '../common/ports.js';
import type { Logger } from '../common/logger.js';
import type { AddonInfoReply, AddonInfoRequest, AddonWriteAccessReply, AddonWriteAccessRequest, Reply, RotateAddonPasswordRequest, RunAddonReply, RunAddonRequest } from '../common/protocol.js';
import { ADDON_LABELS } from '../common/labels.js';
import { addonAnswers, type AddonProbe } from './addon-probe.js';
import { writeAccessExec, writeAccessFailure } from './addon-storage-spec.js';
import { addonContainerSpec, addonSelector, addonVolumeName, isAddon, parseServerInfo, parseVolumeUsage, rotatePasswordExec, serverInfoExec, VOLUME_USAGE_EXEC } from './addon-spec.js';
import type { ContainerEngine } from './container-engine.js';
import type { HostSettings } from './container-spec.js';
import { hostSelector } from './labels.js';

/** Time a database server has to finish its writes and shut down cleanly before it is killed. */
export const ADDON_STOP_GRACE_SECONDS = 30;

export interface AddonManagerDeps {
  host: HostSettings;
  engine: ContainerEngine;
  log: Logger;
  probe?: AddonProbe;
  /** How long a server may take to answer after it starts (PostgreSQL's first start runs initdb). */
  bootTimeoutMs?: number;
}

type Service = RunAddonRequest['service'];

export class AddonManager {
  private readonly serial = new KeyedSerializer();

  constructor(private readonly deps: AddonManagerDeps) {}

  run(request: RunAddonRequest): Promise<RunAddonReply> {
    return this.serial.run(request.addonId, () => this.runNow(request));
  }

  remove(addonId: string): Promise<Reply> {
    return this.serial.run(addonId, async () => {
      const { engine, host } = this.deps;
      for (const container of await engine.listContainers(addonSelector(host.hostId, addonId))) await engine.removeContainer(container.id);
      await engine.removeVolume(addonVolumeName(host.hostId, addonId));
      await engine.removeAddonNetwork(addonId);
      this.deps.log.info({ addon: addonId }, 'add-on removed with its volume and network');
      return { ok: true };
    });
  }

  restart(addonId: string): Promise<RunAddonReply> {
    return this.serial.run(addonId, async () => {
      const { engine } = this.deps;
      const container = await this.serverOf(addonId);
      if (!container) return { ok: false, error: noServer(addonId) };
      await engine.stopContainer(container.id, 30);
      await engine.startContainer(container.id);
      return this.answering(container.id, container.labels[ADDON_LABELS.service] as Service);
    });
  }

  /** A PostgreSQL add-on's user gets a new password; connections already open keep working. */
  rotatePassword(request: RotateAddonPasswordRequest): Promise<Reply> {
    return this.serial.run(request.addonId, async () => {
      const { engine } = this.deps;
      const container = await this.serverOf(request.addonId);
      if (!container) return { ok: false, error: noServer(request.addonId) };
      if (container.labels[ADDON_LABELS.service] !== 'postgresql') return { ok: false, error: 'only PostgreSQL credentials rotate' };
      const { argv, env } = rotatePasswordExec(request);
      const result = await engine.execInContainer(container.id, argv, env);
      if (result.exitCode !== 0) return { ok: false, error: `psql exited with ${result.exitCode}: ${result.output.trim().split('\n').at(-1) ?? ''}` };
      this.deps.log.info({ addon: request.addonId }, 'add-on password rotated');
      return { ok: true };
    });
  }

  /** A PostgreSQL add-on's write access revoked (over its plan's storage) or restored, by its
   *  server's own superuser (addon-storage-spec.ts). */
  setWriteAccess(request: AddonWriteAccessRequest): Promise<AddonWriteAccessReply> {
    return this.serial.run(request.addonId, async () => {
      const { engine } = this.deps;
      const container = await this.serverOf(request.addonId);
      if (!container) return { ok: false, error: noServer(request.addonId) };
      if (container.labels[ADDON_LABELS.service] !== 'postgresql') return { ok: false, error: 'only PostgreSQL add-ons have their writes limited' };
      const { argv, env } = writeAccessExec(request);
      const result = await engine.execInContainer(container.id, argv, env);
      if (result.exitCode !== 0) return writeAccessFailure(result.exitCode, result.output);
      this.deps.log.info({ addon: request.addonId, revoked: request.revoke }, request.revoke ? 'add-on write access revoked (over its storage)' : 'add-on write access restored');
      return { ok: true };
    });
  }

  /** What the add-on's server says of itself (version, size, connections, tables or keys). */
  info(request: AddonInfoRequest): Promise<AddonInfoReply> {
    return this.serial.run(request.addonId, async () => {
      const { engine } = this.deps;
      const container = await this.serverOf(request.addonId);
      if (!container) return { ok: false, error: noServer(request.addonId) };
      const service = container.labels[ADDON_LABELS.service] as Service;
      const { argv, env } = serverInfoExec(service, request);
      const result = await engine.execInContainer(container.id, argv, env);
      const info = result.exitCode === 0 ? parseServerInfo(service, result.output) : null;
      const usage = await engine.execInContainer(container.id, VOLUME_USAGE_EXEC, {});
      const storageBytes = usage.exitCode === 0 ? parseVolumeUsage(usage.output) : null;
      return info ? { ok: true, info: storageBytes === null ? info : { ...info, storageBytes } } : { ok: false, error: `the ${service} server did not say (exit ${result.exitCode}): ${result.output.trim().split('\n').at(-1) ?? ''}` };
    });
  }

  /** The add-on's server container on this host, if there is one. */
  private async serverOf(addonId: string) {
    const [container] = await this.deps.engine.listContainers(addonSelector(this.deps.host.hostId, addonId));
    return container;
  }

  /** At the agent's start: starts the add-ons found stopped (their data is on their volumes), and
   *  removes the networks of add-ons whose server is gone (a removal cut short), which would
   *  otherwise hold their subnets for ever. */
  async startStopped(): Promise<void> {
    const containers = await this.deps.engine.listContainers(hostSelector(this.deps.host.hostId));
    for (const container of containers) {
      if (!isAddon(container.labels) || container.state === 'running') continue;
      await this.deps.engine.startContainer(container.id).catch((err) =>
        this.deps.log.warn({ addon: container.labels[ADDON_LABELS.addon], err: describeError(err) }, 'could not start add-on'),
      );
    }
    for (const addonId of await this.deps.engine.listAddonNetworks()) {
      await this.serial.run(addonId, async () => {
        // looked at again under the add-on's turn: a run may have made its server since
        if (await this.serverOf(addonId)) return;
        await this.deps.engine.removeAddonNetwork(addonId);
        this.deps.log.info({ addon: addonId }, 'network of an add-on without a server removed');
      }).catch((err: unknown) => this.deps.log.warn({ addon: addonId, err: describeError(err) }, 'could not remove the network of an add-on without a server'));
    }
  }

  /** At the agent's exit when it stops what it runs: stops (never removes) the add-ons. */
  async stopAll(): Promise<void> {
    const servers = (await this.deps.engine.listContainers(hostSelector(this.deps.host.hostId))).filter((container) => isAddon(container.labels));
    // Side by side: one after another, a few servers would outlast the agent's own stop deadline.
    const results = await Promise.allSettled(servers.map((container) => this.deps.engine.stopContainer(container.id, ADDON_STOP_GRACE_SECONDS)));
    const refused = results.filter((result) => result.status === 'rejected');
    if (refused.length > 0) throw new Error(`could not stop ${refused.length} of ${servers.length} add-on servers: ${describeError(refused[0]!.reason)}`);
  }

  private async runNow(request: RunAddonRequest): Promise<RunAddonReply> {
    const { engine, host } = this.deps;
    const existing = await engine.listContainers(addonSelector(host.hostId, request.addonId));
    let containerId = existing[0]?.id;
    // its network first: the server joins it under its name, and so do the attached apps' containers
    await engine.ensureAddonNetwork(request.addonId);
    if (containerId && request.recreate) {
      // a plan change: the server stops cleanly and its container goes; the volume stays
      await engine.stopContainer(containerId, ADDON_STOP_GRACE_SECONDS);
      await engine.removeContainer(containerId);
      containerId = undefined;
      this.deps.log.info({ addon: request.addonId }, 'add-on container removed to be made again with new limits');
    }
    if (!containerId) {
      const spec = addonContainerSpec(request, host, request.port ?? (await ephemeralPort(host.address)));
      await engine.ensureVolume(addonVolumeName(host.hostId, request.addonId), { ...addonSelector(host.hostId, request.addonId) });
      if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
      containerId = await engine.createContainer(spec);
      this.deps.log.info({ addon: request.addonId, service: request.service }, 'add-on container created');
    }
    await engine.startContainer(containerId);
    return this.answering(containerId, request.service);
  }

  /** Waits for the server to answer on its published port (its only one); replies with the port. */
  private async answering(containerId: string, service: Service): Promise<RunAddonReply> {
    const { engine, host } = this.deps;
    const probe = this.deps.probe ?? addonAnswers;
    const deadline = Date.now() + (this.deps.bootTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      const details = await engine.inspectContainer(containerId);
      if (!details) return { ok: false, error: 'the add-on container vanished' };
      const port = Object.values(details.publishedPorts)[0];
      if (details.running && port && (await probe(service, host.address, port))) return { ok: true, port };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { ok: false, error: `the ${service} server did not answer within ${Math.round((this.deps.bootTimeoutMs ?? 120_000) / 1000)} s` };
  }
}

function noServer(addonId: string): string {
  return `add-on ${addonId} has no container on this host`;
}
