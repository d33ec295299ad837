// Enrollment, the agent's side: an engine host of an auto scaling group boots with the group's
// shared enrollment secret and no identity. If no host file holds one yet, the agent connects to
// NATS as the `enroll` user, asks the control plane for an identity (its instance id and
// address, and a public key the token is sealed to), keeps asking until it gets one, and saves
// it to the host file (0600) before going on as that host. A restarted agent reads the file.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import {
  ENROLL_NATS_USER,
  ENROLL_SUBJECT,
  enrollReply,
  HOST_ID,
  INSTANCE_ID,
  newEnrollmentKeyPair,
  openSealedToken,
  type EnrollRequest,
} from '../common/enrollment.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { inboxPrefix } from '../common/nats-auth.js';
import { natsServerOptions } from '../common/nats-url.js';
import { decode, encode } from '../common/protocol.js';
import type { EnrollmentSettings } from './config.js';
import { askUntilAccepted, DEFAULT_REGISTER_RETRY, type RegisterRetryPolicy, type Requester } from './registration.js';

export interface HostIdentity {
  hostId: string;
  /** The host's own secret: never logged. */
  token: string;
}

const hostFile = z.object({ hostId: z.string().regex(HOST_ID), token: z.string().min(1), instanceId: z.string().regex(INSTANCE_ID) });

/** The identity saved by an earlier enrollment of this instance, or null (none, unreadable, another instance's). */
export async function readHostFile(path: string, instanceId: string, log: Logger): Promise<HostIdentity | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = hostFile.safeParse((() => {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  })());
  // Enrolling again is safe: the control plane gives the same instance the same host.
  if (!parsed.success) {
    log.warn({ path }, 'the host file is not valid: enrolling again');
    return null;
  }
  if (parsed.data.instanceId !== instanceId) {
    log.warn({ path, fileInstanceId: parsed.data.instanceId, instanceId }, 'the host file belongs to another instance: enrolling again');
    return null;
  }
  return { hostId: parsed.data.hostId, token: parsed.data.token };
}

/** Saves the identity atomically, readable by its owner (root) only. */
export async function writeHostFile(path: string, instanceId: string, identity: HostIdentity): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify({ hostId: identity.hostId, token: identity.token, instanceId }), { mode: 0o600 });
  await rename(temporary, path);
}

/** How an agent without an identity connects to NATS: as the enroll user, replies to its own inbox prefix. */
export function enrollConnectionOptions(settings: EnrollmentSettings) {
  return {
    servers: natsServerOptions(settings.natsUrl).servers,
    user: ENROLL_NATS_USER,
    pass: settings.secret,
    inboxPrefix: inboxPrefix(ENROLL_NATS_USER),
    name: `slipway-agent-enroll-${settings.instanceId}`,
    maxReconnectAttempts: -1,
    ignoreAuthErrorAbort: true,
    waitOnFirstConnect: true,
  };
}

export interface EnrollOptions {
  request: Requester;
  settings: Pick<EnrollmentSettings, 'secret' | 'instanceId' | 'address'>;
  policy: RegisterRetryPolicy;
  log: Logger;
  signal: AbortSignal;
}

/** Asks until the control plane gives this instance an identity; rejects only when `signal` aborts. */
export async function enrollUntilAccepted(options: EnrollOptions): Promise<HostIdentity> {
  const { settings, policy, log, signal } = options;
  const identity = await askUntilAccepted<HostIdentity>({
    policy,
    signal,
    ask: async () => {
      // A fresh key for each request: the token comes back sealed to it.
      const keys = newEnrollmentKeyPair();
      const message: EnrollRequest = { enrollmentSecret: settings.secret, instanceId: settings.instanceId, address: settings.address, publicKey: keys.publicKey };
      const answer = decode(enrollReply, await options.request(ENROLL_SUBJECT, encode(message), policy.requestTimeoutMs));
      if (!answer.ok) return { accepted: false, reason: answer.error };
      return { accepted: true, value: { hostId: answer.hostId, token: openSealedToken(keys, answer.sealedToken, answer.hostId) } };
    },
    onRefused: (reason, retryInMs) =>
      log.error(
        { instanceId: settings.instanceId, reason, retryInMs },
        'the control plane refused to enroll this instance: check SLIPWAY_ENROLLMENT_SECRET and that the instance is in the engine group',
      ),
    onUnanswered: (err, retryInMs) => log.warn({ instanceId: settings.instanceId, err: describeError(err), retryInMs }, 'could not enroll with the control plane yet'),
  });
  log.info({ hostId: identity.hostId, instanceId: settings.instanceId }, 'enrolled with the control plane');
  return identity;
}

export interface HostIdentityDeps {
  /** Opens a NATS connection (nats.js `connect` in production). */
  connect: (options: ReturnType<typeof enrollConnectionOptions>) => Promise<NatsConnection>;
  log: Logger;
  signal: AbortSignal;
  policy?: Partial<RegisterRetryPolicy>;
}

/** The host's identity: from the host file, or enrolled for and saved there. */
export async function ensureHostIdentity(settings: EnrollmentSettings, deps: HostIdentityDeps): Promise<HostIdentity> {
  const saved = await readHostFile(settings.hostFile, settings.instanceId, deps.log);
  if (saved) return saved;
  deps.log.info({ instanceId: settings.instanceId }, 'no host identity yet: enrolling');
  const nats = await deps.connect(enrollConnectionOptions(settings));
  let identity: HostIdentity;
  try {
    identity = await enrollUntilAccepted({
      request: async (subject, body, timeout) => (await nats.request(subject, body, { timeout })).data,
      settings,
      policy: { ...DEFAULT_REGISTER_RETRY, ...deps.policy },
      log: deps.log,
      signal: deps.signal,
    });
  } finally {
    await nats.close().catch(() => undefined);
  }
  await writeHostFile(settings.hostFile, settings.instanceId, identity);
  return identity;
}
