// A push in progress: the pre-receive hook proves it belongs to an authenticated push with a
// one-time secret handed to it through git http-backend's environment.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface PushSession {
  appId: string;
  userId: string;
}

export class PushSessions {
  private readonly sessions = new Map<string, PushSession>();

  open(session: PushSession): { token: string; close: () => void } {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, session);
    return { token, close: () => this.sessions.delete(token) };
  }

  find(token: string): PushSession | null {
    for (const [candidate, session] of this.sessions) {
      const a = Buffer.from(candidate);
      const b = Buffer.from(token);
      if (a.length === b.length && timingSafeEqual(a, b)) return session;
    }
    return null;
  }
}
