// NATS authorization, as pure functions: who may publish and subscribe to what. The platform
// users (control plane, router) are written when NATS is first set up; the control plane
// rewrites the same file with every host's own user (host id / host token) when hosts join or
// leave, and makes nats-server reload it. Used on this machine and on AWS alike.
import { ENROLL_NATS_USER, ENROLL_SUBJECT } from './enrollment.js';
import { subjects } from './protocol.js';

export class NatsAuthError extends Error {
  override name = 'NatsAuthError';
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May publish replies to requests it received (agents answer run/stop/list). */
  allowResponses: boolean;
}

export interface NatsUser {
  user: string;
  /** Plain text or a bcrypt hash (`$2a$...`), as nats-server accepts both. */
  password: string;
  /** Omitted: every subject (the control plane). */
  permissions?: NatsPermissions;
}

export const CONTROL_PLANE_NATS_USER = 'control-plane';
export const ROUTER_NATS_USER = 'router';

/** Each client's replies come to its own inbox prefix, so no one reads another's replies. */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/** An engine host may only hear its own commands and speak as itself. */
export function hostNatsPermissions(hostId: string): NatsPermissions {
  const own = (subject: string) => subject.replace(/\.[^.]+$/, '.>');
  return {
    subscribe: [own(subjects.run(hostId)), `${inboxPrefix(hostId)}.>`],
    publish: [own(subjects.register(hostId)), subjects.allLogs],
    allowResponses: true,
  };
}

export function routerNatsPermissions(): NatsPermissions {
  return {
    subscribe: [subjects.routeChanged, subjects.certificateChanged, `${inboxPrefix(ROUTER_NATS_USER)}.>`],
    publish: [subjects.allLogs, subjects.routerTraffic],
    allowResponses: false,
  };
}

export function hostNatsUser(hostId: string, password: string): NatsUser {
  return { user: hostId, password, permissions: hostNatsPermissions(hostId) };
}

export function platformNatsUsers(passwords: { controlPlane: string; router: string }): NatsUser[] {
  return [
    { user: CONTROL_PLANE_NATS_USER, password: passwords.controlPlane },
    { user: ROUTER_NATS_USER, password: passwords.router, permissions: routerNatsPermissions() },
  ];
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
// Plain secrets from Slipway's alphabet, or bcrypt hashes: neither needs quoting rules.
const PASSWORD = /^([A-Za-z0-9._~-]{16,512}|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53})$/;
const SUBJECT = /^[A-Za-z0-9_.>*-]+$/;

function list(items: readonly string[]): string {
  for (const item of items) if (!SUBJECT.test(item)) throw new NatsAuthError(`bad NATS subject: ${item}`);
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
}

/** The `authorization { users: [...] }` block of nats-server's config. */
export function renderNatsAuthorization(users: readonly NatsUser[]): string {
  const names = new Set<string>();
  const lines = users.map((user) => {
    if (!NAME.test(user.user)) throw new NatsAuthError(`bad NATS user name: ${user.user}`);
    if (names.has(user.user)) throw new NatsAuthError(`NATS user listed twice: ${user.user}`);
    names.add(user.user);
    if (!PASSWORD.test(user.password)) throw new NatsAuthError(`the NATS password of ${user.user} has characters outside A-Z a-z 0-9 . _ ~ -`);
    const fields = [`user: "${user.user}"`, `password: "${user.password}"`];
    if (user.permissions) {
      const p = user.permissions;
      const responses = p.allowResponses ? ', allow_responses: true' : '';
      fields.push(`permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} }${responses} }`);
    }
    return `    { ${fields.join(', ')} }`;
  });
  return ['authorization {', '  users: [', ...lines, '  ]', '}', ''].join('\n');
}

/**
 * Agents that have no identity yet (engine hosts of an auto scaling group) connect as this one
 * user, whose password is the enrollment secret: they may only ask to enroll and hear the reply.
 */
export function enrollNatsPermissions(): NatsPermissions {
  return {
    subscribe: [`${inboxPrefix(ENROLL_NATS_USER)}.>`],
    publish: [ENROLL_SUBJECT],
    allowResponses: false,
  };
}

export function enrollNatsUser(password: string): NatsUser {
  return { user: ENROLL_NATS_USER, password, permissions: enrollNatsPermissions() };
}
