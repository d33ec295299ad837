// Per-host NATS users: each host connects as itself (its id, its token as password), confined
// by NATS permissions to its own subjects. The control plane rewrites nats-server's
// authorization file when hosts come and go, and makes it reload; a removed host's
// connection is cut by the reload. With enrollment (AWS engine hosts), the `enroll` user
// lets hosts without an identity yet ask for one.
import { readFile, rename, writeFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { enrollNatsUser, hostNatsUser, platformNatsUsers, renderNatsAuthorization, type NatsUser } from '../../common/nats-auth.js';
import type { Logger } from '../../common/logger.js';
import type { HostStore } from '../store/hosts.js';

export interface NatsAuthFiles {
  /** The authorization file nats-server includes. */
  authFile: string;
  /** nats-server's pid file, to signal a reload; null where something else reloads on change
   *  (on AWS: a systemd path unit, as nats-server runs outside the control plane's container). */
  pidFile: string | null;
  /** JSON {"controlPlane": "...", "router": "..."}: the platform's own NATS passwords. */
  platformUsersFile: string;
}

const BCRYPT_COST = 10;

/** A hash nats-server can check a host's token against (the token itself is never stored). */
export function natsPasswordHash(token: string): string {
  return bcrypt.hashSync(token, BCRYPT_COST);
}

export interface NatsHostUsersOptions {
  /** With enrollment: the `enroll` user's password (the enrollment secret). */
  enrollPassword?: string | null;
}

export class NatsHostUsers {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly files: NatsAuthFiles,
    private readonly hosts: HostStore,
    private readonly logger: Logger,
    private readonly options: NatsHostUsersOptions = {},
  ) {}

  /** Writes every platform and host user, then has nats-server reload them. One at a time, so
   *  a sync that read older host records never overwrites a newer one's file. */
  sync(): Promise<void> {
    const run = this.tail.then(() => this.write());
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    const platform = JSON.parse(await readFile(this.files.platformUsersFile, 'utf8')) as { controlPlane: string; router: string };
    const users: NatsUser[] = platformNatsUsers(platform);
    if (this.options.enrollPassword) users.push(enrollNatsUser(this.options.enrollPassword));
    for (const host of await this.hosts.list()) {
      const hash = await this.hosts.natsPasswordHash(host.id);
      if (hash) users.push(hostNatsUser(host.id, hash));
    }
    const temporary = `${this.files.authFile}.tmp`;
    // Group-readable: on AWS nats-server runs as its own user, in the file's (setgid) group.
    await writeFile(temporary, renderNatsAuthorization(users), { mode: 0o640 });
    await rename(temporary, this.files.authFile);
    if (this.files.pidFile) {
      const pid = Number((await readFile(this.files.pidFile, 'utf8')).trim());
      process.kill(pid, 'SIGHUP');
    }
    this.logger.info({ users: users.length }, 'NATS users reloaded');
  }
}
