// Heroku's log sessions: `heroku logs` asks for one (POST /apps/{app}/log-sessions) and then
// reads its URL as server-sent events without credentials, so the URL carries a secret. The
// secret is kept hashed in Redis for a few minutes and may be read again meanwhile (an
// EventSource reconnects); what it opens is checked again at every read (logs/session-stream).
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SecretSessions } from '../store/secret-sessions.js';

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

/** Secrets for reading an app's log as the session says, valid for a few minutes, readable again meanwhile. */
export class LogSessions extends SecretSessions<LogSession> {
  constructor(redis: Redis) {
    super(redis, 'log-session', session, LOG_SESSION_TTL_SECONDS);
  }
}
