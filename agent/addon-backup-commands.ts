// The commands an add-on's backups run inside its container, as data (pure): PostgreSQL's
// pg_dump/pg_restore, and Redis's snapshot (`redis-cli --rdb`) and staged restore. Secrets go in
// the exec's environment only, never in argv. agent/addon-backups.ts runs them.
import { REDIS_RESTORE_FILE } from '../common/addons.js';
import type { AddonBackupRequest } from '../common/protocol.js';

export type Credentials = Pick<AddonBackupRequest, 'user' | 'password' | 'database'>;
export interface Exec {
  argv: string[];
  env: Record<string, string>;
}

const PG_BIN = 'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)';
const CONNECTION = '"host=/tmp port=$ADDON_PORT dbname=$ADDON_BACKUP_DATABASE user=$ADDON_USER"';

/** Pure: the command that writes the database's custom-format dump to stdout (secrets in env only). */
export function dumpExec(request: Credentials): Exec {
  return { argv: ['/bin/sh', '-c', ['set -e', PG_BIN, `exec "$bin/pg_dump" -Fc --no-password ${CONNECTION}`].join('\n')], env: pgEnv(request) };
}

/** Pure: the command that restores a custom-format dump read from stdin: objects dropped and made
 *  anew, owned by the add-on's user, all in one transaction (Heroku's pg:backups:restore). */
export function restoreExec(request: Credentials): Exec {
  const restore = `exec "$bin/pg_restore" --clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error --no-password -d ${CONNECTION}`;
  return { argv: ['/bin/sh', '-c', ['set -e', PG_BIN, restore].join('\n')], env: pgEnv(request) };
}

function pgEnv(request: Credentials): Record<string, string> {
  return { ADDON_USER: request.user, PGPASSWORD: request.password, ADDON_BACKUP_DATABASE: request.database };
}

/** Pure: the command that writes a consistent RDB snapshot of the Redis server to stdout. The
 *  snapshot goes through a file first: with diskless replication (Redis 7.0's default) `redis-cli
 *  --rdb -` leaves the 40-byte end-of-transfer mark after the RDB on a pipe (it truncates it off
 *  a file only), and a restored RDB becomes an AOF base, which must end where the RDB does. The
 *  file is in the container's /tmp, not on the add-on's volume, and is removed however it ends. */
export function redisSnapshotExec(request: Pick<Credentials, 'password'>): Exec {
  const script = [
    'set -e',
    'umask 077',
    'snapshot=/tmp/slipway-capture.rdb',
    `trap 'rm -f "$snapshot"' EXIT`,
    // its progress lines go to stderr: stdout carries the snapshot only
    'redis-cli -p "$ADDON_PORT" --no-auth-warning --rdb "$snapshot" >&2',
    'cat "$snapshot"',
  ].join('\n');
  return { argv: ['/bin/sh', '-c', script], env: { REDISCLI_AUTH: request.password } };
}

const STAGING = `${REDIS_RESTORE_FILE}.partial`;

/** Pure: the command that writes the (decrypted) snapshot read from stdin to a staging file on
 *  the add-on's volume; nothing the server loads until `redisCommitExec`. */
export const REDIS_STAGE_EXEC: Exec = { argv: ['/bin/sh', '-c', `set -e\numask 077\ncat > ${STAGING}`], env: {} };

/** Pure: the command that commits a staged snapshot once its decryption has verified every chunk:
 *  checked whole by redis-check-rdb, then renamed to where the server's next start loads it. */
export const REDIS_COMMIT_EXEC: Exec = {
  argv: ['/bin/sh', '-c', [`if ! redis-check-rdb ${STAGING}; then rm -f ${STAGING}; exit 1; fi`, `mv ${STAGING} ${REDIS_RESTORE_FILE}`].join('\n')],
  env: {},
};

/** Pure: the command that drops a staged snapshot that is not to be loaded. */
export const REDIS_DISCARD_EXEC: Exec = { argv: ['rm', '-f', STAGING], env: {} };

/** Pure: what redis-check-rdb found wrong (the line after its error banner), else its last line. */
export function rdbCheckError(output: string): string {
  const lines = output.trim().split(/\r?\n/);
  const banner = lines.findIndex((line) => line.includes('RDB ERROR DETECTED'));
  return (banner >= 0 ? lines[banner + 1] : lines.at(-1))?.trim() ?? '';
}
