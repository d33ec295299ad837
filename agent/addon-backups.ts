// Add-ons' backups on the host that holds their data. The snapshot (PostgreSQL's pg_dump -Fc,
// Redis's RDB) is made inside the add-on's container, encrypted as it streams
// (common/backups/encryption.ts) and uploaded in parts to the object store, so no whole dump is
// ever on disk or in memory here. Restore streams the other way, and a damaged or cut-off backup
// changes nothing: PostgreSQL's pg_restore runs in one transaction; Redis's snapshot is staged on
// the volume, committed only once every chunk and the final tag have verified, and loaded by a
// restart of the server. The control plane sends the store's settings and the one backup's key
// with each request (as it sends the database's password); the agent keeps none of them.
import { pipeline } from 'node:stream/promises';
import { describeError } from '../common/errors.js';
import { KeyedSerializer } from '../common/keyed-serializer.js';
import type { Logger } from '../common/logger.js';
import type { AddonBackupReply, AddonBackupRequest, Reply, RunAddonReply } from '../common/protocol.js';
import { ADDON_LABELS } from '../common/labels.js';
import { BackupIntegrityError, decryptingStream, encryptingStream } from '../common/backups/encryption.js';
import { BackupObjects } from '../common/backups/object-store.js';
import { dumpExec, rdbCheckError, REDIS_COMMIT_EXEC, REDIS_DISCARD_EXEC, REDIS_STAGE_EXEC, redisSnapshotExec, restoreExec, type Exec } from './addon-backup-commands.js';
import { addonSelector, REDIS_STAGED_RESTORES } from './addon-spec.js';
import type { ContainerEngine } from './container-engine.js';
import type { HostSettings } from './container-spec.js';

type Service = 'postgresql' | 'redis';
interface Server {
  id: string;
  service: Service;
  labels: Record<string, string>;
}

/** Pure: the snapshot command of a service, and its name for errors. */
function snapshotCommand(service: Service, request: AddonBackupRequest): { name: string; exec: Exec } {
  return service === 'postgresql' ? { name: 'pg_dump', exec: dumpExec(request) } : { name: 'redis-cli', exec: redisSnapshotExec(request) };
}

export interface AddonBackupsDeps {
  host: HostSettings;
  engine: ContainerEngine;
  log: Logger;
  /** restarts an add-on's server and waits for it to answer (agent/addons.ts): a Redis restore loads there */
  servers: { restart(addonId: string): Promise<RunAddonReply> };
}

export class AddonBackups {
  // one capture or restore at a time per add-on
  private readonly serial = new KeyedSerializer();

  constructor(private readonly deps: AddonBackupsDeps) {}

  capture(request: AddonBackupRequest): Promise<AddonBackupReply> {
    return this.serial.run(request.addonId, async () => {
      const server = await this.server(request.addonId);
      if ('error' in server) return { ok: false, error: server.error };
      const command = snapshotCommand(server.service, request);
      const objects = new BackupObjects(request.storage);
      try {
        const dump = await this.deps.engine.execStreaming(server.id, command.exec.argv, command.exec.env);
        const sealed = encryptingStream(Buffer.from(request.key, 'base64'));
        const uploaded = objects.upload(request.objectKey, sealed).catch((err: unknown) => {
          // the store gave up: stop the snapshot too
          (dump.stdout as unknown as { destroy(): void }).destroy();
          throw err;
        });
        // both settled before answering: a failed multipart upload is aborted before the client closes
        const [upload, streamed] = await Promise.allSettled([uploaded, pipeline(dump.stdout, sealed)]);
        if (streamed.status === 'rejected' && upload.status === 'fulfilled') await objects.remove(request.objectKey).catch(() => undefined); // never a partial dump
        if (streamed.status === 'rejected' && (upload.status === 'fulfilled' || /^exited with/.test(describeError(streamed.reason)))) throw streamed.reason;
        if (upload.status === 'rejected') throw upload.reason;
        const bytes = upload.value;
        this.deps.log.info({ addon: request.addonId, service: server.service, bytes }, 'add-on backup captured');
        return { ok: true, bytes };
      } catch (err) {
        this.deps.log.warn({ addon: request.addonId, err: describeError(err) }, 'add-on backup failed');
        return { ok: false, error: failure(command.name, err) };
      } finally {
        objects.close();
      }
    });
  }

  restore(request: AddonBackupRequest): Promise<Reply> {
    return this.serial.run(request.addonId, async () => {
      const server = await this.server(request.addonId);
      if ('error' in server) return { ok: false, error: server.error };
      const restored = server.service === 'postgresql' ? await this.restorePostgres(server, request) : await this.restoreRedis(server, request);
      if (restored.ok) this.deps.log.info({ addon: request.addonId, service: server.service }, 'add-on backup restored');
      else this.deps.log.warn({ addon: request.addonId, err: restored.error }, 'add-on restore failed');
      return restored;
    });
  }

  /** pg_restore in one transaction: a backup failing authentication midway rolls it all back. */
  private async restorePostgres(server: Server, request: AddonBackupRequest): Promise<Reply> {
    const objects = new BackupObjects(request.storage);
    try {
      const { exit, fed } = await this.feed(server, restoreExec(request), request, objects);
      if (fed.status === 'rejected') throw fed.reason;
      if (exit.exitCode !== 0) return { ok: false, error: `pg_restore exited with ${exit.exitCode}: ${lastLine(exit.stderr)}` };
      return { ok: true };
    } catch (err) {
      return { ok: false, error: failure('pg_restore', err) };
    } finally {
      objects.close();
    }
  }

  /** The snapshot staged on the volume, committed (checked, renamed) only when decryption verified
   *  all of it, then loaded by a restart: the data written since the backup is replaced. Anything
   *  failing before the commit drops the staged file, and the server is left as it was. */
  private async restoreRedis(server: Server, request: AddonBackupRequest): Promise<Reply> {
    if (server.labels[ADDON_LABELS.restores] !== REDIS_STAGED_RESTORES) {
      return { ok: false, error: 'this Redis server was made before restores were possible: make it again (addons:upgrade to another plan, or addons:move), then restore' };
    }
    const objects = new BackupObjects(request.storage);
    try {
      const { exit, fed } = await this.feed(server, REDIS_STAGE_EXEC, request, objects);
      const staged = fed.status === 'fulfilled' && exit.exitCode === 0;
      const committed = staged ? await this.deps.engine.execInContainer(server.id, REDIS_COMMIT_EXEC.argv, REDIS_COMMIT_EXEC.env) : null;
      if (committed?.exitCode !== 0) {
        await this.deps.engine.execInContainer(server.id, REDIS_DISCARD_EXEC.argv, REDIS_DISCARD_EXEC.env).catch(() => undefined);
        if (fed.status === 'rejected') throw fed.reason;
        if (!committed) return { ok: false, error: `staging the snapshot exited with ${exit.exitCode}: ${lastLine(exit.stderr)}` };
        return { ok: false, error: `the backup is not a Redis snapshot: ${rdbCheckError(committed.output)}` };
      }
    } catch (err) {
      return { ok: false, error: failure('staging the snapshot', err) };
    } finally {
      objects.close();
    }
    const restarted = await this.deps.servers.restart(request.addonId);
    return restarted.ok ? { ok: true } : { ok: false, error: `the snapshot is in place, but the server did not come back with it: ${restarted.error ?? 'no reason given'}` };
  }

  /** The backup, decrypted as it streams from the store, into `exec`'s stdin; settles when both
   *  the command has exited and the decryption has ended (verified or not). */
  private async feed(server: Server, exec: Exec, request: AddonBackupRequest, objects: BackupObjects): Promise<{ exit: { exitCode: number | null; stderr: string }; fed: PromiseSettledResult<void> }> {
    const plain = decryptingStream(Buffer.from(request.key, 'base64'));
    const stored = await objects.download(request.objectKey);
    const command = await this.deps.engine.execStreaming(server.id, exec.argv, exec.env, plain);
    // the commands print nothing on stdout; their failure is told by the exit code and stderr
    command.stdout.on('error', () => undefined).resume();
    const [fed] = await Promise.allSettled([pipeline(stored, plain)]);
    if (fed.status === 'rejected') {
      // the input failed (a damaged backup, the store gone): its stdin was ended, but a command that
      // has not seen that end (a half-close Docker missed once, in a full test run) must not hold
      // the add-on's turn for ever: past a grace its connection is closed, and then it is let go
      const ended = await settlesWithin(command.exited, INPUT_FAILED_GRACE_MS);
      if (!ended) (command.stdout as unknown as { destroy(): void }).destroy();
      const exit = ended ?? (await settlesWithin(command.exited, INPUT_FAILED_GRACE_MS)) ?? { exitCode: null, stderr: '' };
      return { exit, fed };
    }
    return { exit: await command.exited, fed };
  }

  private async server(addonId: string): Promise<Server | { error: string }> {
    const [container] = await this.deps.engine.listContainers(addonSelector(this.deps.host.hostId, addonId));
    if (!container) return { error: `add-on ${addonId} has no container on this host` };
    const service = container.labels[ADDON_LABELS.service];
    if (service !== 'postgresql' && service !== 'redis') return { error: `add-on ${addonId} is a ${service ?? 'unknown'} server: it has no backups` };
    if (container.state !== 'running') return { error: `add-on ${addonId}'s server is not running` };
    return { id: container.id, service, labels: container.labels };
  }
}

/** How long a command whose input failed gets to exit, before and after its connection is closed. */
const INPUT_FAILED_GRACE_MS = 10_000;

/** The promise's value if it fulfils within `ms`, else null (a rejection counts as null too). */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([promise.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** The error in words, saying which side failed: the command, or the object store. */
function failure(command: string, err: unknown): string {
  const text = describeError(err);
  if (err instanceof BackupIntegrityError) return text;
  if (/^exited with/.test(text)) return `${command} ${text}`;
  return `the object store: ${text}`;
}
