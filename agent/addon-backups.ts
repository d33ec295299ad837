// PostgreSQL add-ons' backups on the host that holds their data: pg_dump -Fc runs inside the
// add-on's container, its output is encrypted as it streams (common/backups/encryption.ts) and
// uploaded in parts to the object store, so no whole dump is ever on disk or in memory here.
// Restore streams the other way into pg_restore, in one transaction: a damaged or cut-off backup
// changes nothing. The control plane sends the store's settings and the one backup's key with
// each request (as it sends the database's password); the agent keeps none of them.
import { pipeline } from 'node:stream/promises';
import { describeError } from '../common/errors.js';
import { KeyedSerializer } from '../common/keyed-serializer.js';
import type { Logger } from '../common/logger.js';
import type { AddonBackupReply, AddonBackupRequest, Reply } from '../common/protocol.js';
import { ADDON_LABELS } from '../common/labels.js';
import { BackupIntegrityError, decryptingStream, encryptingStream } from '../common/backups/encryption.js';
import { BackupObjects } from '../common/backups/object-store.js';
import { addonSelector } from './addon-spec.js';
import type { ContainerEngine } from './container-engine.js';
import type { HostSettings } from './container-spec.js';

type Credentials = Pick<AddonBackupRequest, 'user' | 'password' | 'database'>;
const PG_BIN = 'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)';
const CONNECTION = '"host=/tmp port=$ADDON_PORT dbname=$ADDON_BACKUP_DATABASE user=$ADDON_USER"';

/** Pure: the command that writes the database's custom-format dump to stdout (secrets in env only). */
export function dumpExec(request: Credentials): { argv: string[]; env: Record<string, string> } {
  return { argv: ['/bin/sh', '-c', ['set -e', PG_BIN, `exec "$bin/pg_dump" -Fc --no-password ${CONNECTION}`].join('\n')], env: backupEnv(request) };
}

/** Pure: the command that restores a custom-format dump read from stdin: objects dropped and made
 *  anew, owned by the add-on's user, all in one transaction (Heroku's pg:backups:restore). */
export function restoreExec(request: Credentials): { argv: string[]; env: Record<string, string> } {
  const restore = `exec "$bin/pg_restore" --clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error --no-password -d ${CONNECTION}`;
  return { argv: ['/bin/sh', '-c', ['set -e', PG_BIN, restore].join('\n')], env: backupEnv(request) };
}

function backupEnv(request: Credentials): Record<string, string> {
  return { ADDON_USER: request.user, PGPASSWORD: request.password, ADDON_BACKUP_DATABASE: request.database };
}

export interface AddonBackupsDeps {
  host: HostSettings;
  engine: ContainerEngine;
  log: Logger;
}

export class AddonBackups {
  // one capture or restore at a time per add-on
  private readonly serial = new KeyedSerializer();

  constructor(private readonly deps: AddonBackupsDeps) {}

  capture(request: AddonBackupRequest): Promise<AddonBackupReply> {
    return this.serial.run(request.addonId, async () => {
      const container = await this.postgresContainer(request.addonId);
      if ('error' in container) return { ok: false, error: container.error };
      const objects = new BackupObjects(request.storage);
      try {
        const { argv, env } = dumpExec(request);
        const dump = await this.deps.engine.execStreaming(container.id, argv, env);
        const sealed = encryptingStream(Buffer.from(request.key, 'base64'));
        const uploaded = objects.upload(request.objectKey, sealed).catch((err: unknown) => {
          // the store gave up: stop pg_dump too
          (dump.stdout as unknown as { destroy(): void }).destroy();
          throw err;
        });
        // both settled before answering: a failed multipart upload is aborted before the client closes
        const [upload, streamed] = await Promise.allSettled([uploaded, pipeline(dump.stdout, sealed)]);
        if (streamed.status === 'rejected' && upload.status === 'fulfilled') await objects.remove(request.objectKey).catch(() => undefined); // never a partial dump
        if (streamed.status === 'rejected' && (upload.status === 'fulfilled' || /^exited with/.test(describeError(streamed.reason)))) throw streamed.reason;
        if (upload.status === 'rejected') throw upload.reason;
        const bytes = upload.value;
        this.deps.log.info({ addon: request.addonId, bytes }, 'add-on backup captured');
        return { ok: true, bytes };
      } catch (err) {
        this.deps.log.warn({ addon: request.addonId, err: describeError(err) }, 'add-on backup failed');
        return { ok: false, error: failure('pg_dump', err) };
      } finally {
        objects.close();
      }
    });
  }

  restore(request: AddonBackupRequest): Promise<Reply> {
    return this.serial.run(request.addonId, async () => {
      const container = await this.postgresContainer(request.addonId);
      if ('error' in container) return { ok: false, error: container.error };
      const objects = new BackupObjects(request.storage);
      try {
        const plain = decryptingStream(Buffer.from(request.key, 'base64'));
        const stored = await objects.download(request.objectKey);
        const { argv, env } = restoreExec(request);
        const restored = await this.deps.engine.execStreaming(container.id, argv, env, plain);
        const fed = pipeline(stored, plain);
        // pg_restore prints nothing on stdout; its failure is told by its exit code and stderr below
        restored.stdout.on('error', () => undefined).resume();
        const [exit] = await Promise.all([restored.exited, fed]);
        if (exit.exitCode !== 0) return { ok: false, error: `pg_restore exited with ${exit.exitCode}: ${lastLine(exit.stderr)}` };
        this.deps.log.info({ addon: request.addonId }, 'add-on backup restored');
        return { ok: true };
      } catch (err) {
        this.deps.log.warn({ addon: request.addonId, err: describeError(err) }, 'add-on restore failed');
        return { ok: false, error: failure('pg_restore', err) };
      } finally {
        objects.close();
      }
    });
  }

  private async postgresContainer(addonId: string): Promise<{ id: string } | { error: string }> {
    const [container] = await this.deps.engine.listContainers(addonSelector(this.deps.host.hostId, addonId));
    if (!container) return { error: `add-on ${addonId} has no container on this host` };
    if (container.labels[ADDON_LABELS.service] !== 'postgresql') return { error: 'only PostgreSQL add-ons have backups' };
    if (container.state !== 'running') return { error: `add-on ${addonId}'s server is not running` };
    return { id: container.id };
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
