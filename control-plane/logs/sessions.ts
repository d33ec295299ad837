// Heroku's log sessions: `heroku logs` asks for one (POST /apps/{app}/log-sessions) and then
// reads its URL as server-sent events without credentials, so the URL carries a secret. The
// secret is kept hashed in Redis for a few minutes and may be read again meanwhile (an
// EventSource reconnects); what it opens is checked again at every read (logs/session-stream).
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Where log session URLs point: `/log-streams/<secret>`. */
export const LOG_STREAM_PATH_PREFIX = '/log-streams/';
export const LOG_SESSION_TTL_SECONDS = 300;

const session = z.object({
  appId: z.string(),
  userId: z.string(),
  tokenId: z.string(),
  lines: z.number().int(),
  tail: z.boolean(),
  dyno: z.string().optional(),
  source: z.string().optional(),
});
export type LogSession = z.infer<typeof session>;

const sessionKey = (secret: string) => `slipway:log-session:${createHash('sha256').update(secret).digest('hex')}`;

export class LogSessions {
  constructor(private readonly redis: Redis) {}

  /** A secret for reading the app's log as `session` says, valid for a few minutes. */
  async create(input: LogSession): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await this.redis.set(sessionKey(secret), JSON.stringify(input), 'EX', LOG_SESSION_TTL_SECONDS);
    return secret;
  }

  /** The session behind a secret; null when unknown or expired. */
  async get(secret: string): Promise<LogSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
    const raw = await this.redis.get(sessionKey(secret));
    return raw ? session.parse(JSON.parse(raw)) : null;
  }
}
