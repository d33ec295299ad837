// Per-host NATS users: each host connects as itself (its id, its token as password), confined
// by NATS permissions to its own subjects. The control plane rewrites nats-server's
// authorization file when hosts come and go, and makes it reload; a removed host's
// connection is cut by the reload.
import { readFile, rename, writeFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { hostNatsUser, platformNatsUsers, renderNatsAuthorization, type NatsUser } from '../../common/nats-auth.js';
import type { Logger } from '../../common/logger.js';
import type { HostStore } from '../store/hosts.js';

export interface NatsAuthFiles {
  /** The authorization file nats-server includes. */
  authFile: string;
  /** nats-server's pid file, to signal a reload. */
  pidFile: string;
  /** JSON {"controlPlane": "...", "router": "..."}: the platform's own NATS passwords. */
  platformUsersFile: string;
}

const BCRYPT_COST = 10;

/** A hash nats-server can check a host's token against (the token itself is never stored). */
export function natsPasswordHash(token: string): string {
  return bcrypt.hashSync(token, BCRYPT_COST);
}

export class NatsHostUsers {
  constructor(
    private readonly files: NatsAuthFiles,
    private readonly hosts: HostStore,
    private readonly logger: Logger,
  ) {}

  /** Writes every platform and host user, then has nats-server reload them. */
  async sync(): Promise<void> {
    const platform = JSON.parse(await readFile(this.files.platformUsersFile, 'utf8')) as { controlPlane: string; router: string };
    const users: NatsUser[] = platformNatsUsers(platform);
    for (const host of await this.hosts.list()) {
      const hash = await this.hosts.natsPasswordHash(host.id);
      if (hash) users.push(hostNatsUser(host.id, hash));
    }
    const temporary = `${this.files.authFile}.tmp`;
    await writeFile(temporary, renderNatsAuthorization(users), { mode: 0o600 });
    await rename(temporary, this.files.authFile);
    const pid = Number((await readFile(this.files.pidFile, 'utf8')).trim());
    process.kill(pid, 'SIGHUP');
    this.logger.info({ hosts: users.length - 2 }, 'NATS users reloaded');
  }
}
