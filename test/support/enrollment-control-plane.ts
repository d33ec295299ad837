// The control plane's side of AWS enrollment for tests and benches: a nats-server that
// authenticates every client (platform users, the `enroll` user and per-host users kept by
// NatsHostUsers), a real Redis with the host store and the pending-credential ledger, the
// enrollment handler over an in-memory auto scaling group, and the control plane's own NATS
// connection answering enrollment (and, when asked, registration) requests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { waitFor } from './wait.js';
import { ENROLL_SUBJECT } from '../../common/enrollment.js';
import { silentLogger } from '../../common/logger.js';
import { freePort } from '../../common/ports.js';
import { decode, encode, registerRequest, subjects } from '../../common/protocol.js';
import { EnrollmentHandler } from '../../control-plane/hosts/enrollment.js';
import { hostRecordIssuer } from '../../control-plane/hosts/host-issuer.js';
import { NatsHostUsers } from '../../control-plane/hosts/nats-users.js';
import { RedisHostLedger } from '../../control-plane/hosts/redis-host-ledger.js';
import { HostStore } from '../../control-plane/store/hosts.js';
import type { GroupInstance } from '../../host-providers/aws/auto-scaling.js';
import { FakeAutoScaling } from '../../host-providers/aws/testing/fake-auto-scaling.js';
import { initialAuthorization, platformNatsPasswords } from '../../supervisor/nats-users.js';
import { startNats, type RunningService } from '../../supervisor/services.js';
import { startTestRedis } from './services.js';

export interface EnrollmentControlPlaneOptions {
  secret: string;
  /** Prefix of the temp dir (NATS data and auth files; tests may put their own files there). */
  dirPrefix: string;
  group: { name: string; maxSize: number; onLaunch?: (instance: GroupInstance) => void };
  /** Called for each enrollment request as it arrives. */
  onEnroll?: () => void;
  /** When set, registrations are answered by checking the host's token; trusted host ids come here. */
  onRegistered?: (hostId: string) => void;
}

export interface EnrollmentControlPlane {
  dir: string;
  nats: RunningService;
  redis: Redis;
  hosts: HostStore;
  ledger: RedisHostLedger;
  natsUsers: NatsHostUsers;
  group: FakeAutoScaling;
  controlPlane: NatsConnection;
  stop(): Promise<void>;
}

export async function startEnrollmentControlPlane(options: EnrollmentControlPlaneOptions): Promise<EnrollmentControlPlane> {
  const { secret } = options;
  const dir = await mkdtemp(join(tmpdir(), options.dirPrefix));
  const files = { authFile: join(dir, 'auth.conf'), pidFile: join(dir, 'nats.pid'), platformUsersFile: join(dir, 'platform-users.json') };
  const passwords = await platformNatsPasswords(files.platformUsersFile);
  const nats = await startNats({ dataDir: dir, port: await freePort(), auth: { ...files, initialAuthorization: initialAuthorization(passwords) } });
  const redisService = await startTestRedis();
  const redis = new Redis(redisService.url);
  const hosts = new HostStore(redis);
  const ledger = new RedisHostLedger(redis, secret);
  const natsUsers = new NatsHostUsers(files, hosts, silentLogger(), { enrollPassword: secret });
  await natsUsers.sync();
  const group = new FakeAutoScaling({ name: options.group.name, minSize: 0, maxSize: options.group.maxSize, onLaunch: options.group.onLaunch });
  const handler = new EnrollmentHandler({
    secret,
    groupName: options.group.name,
    autoScaling: group,
    ledger,
    issuer: hostRecordIssuer({ hosts, natsUsers, provider: 'aws', logger: silentLogger() }),
    logger: silentLogger(),
  });
  // The users file was just rewritten and nats-server reloaded: retry until it accepts us.
  const controlPlane = await waitFor('NATS to accept the control plane', () =>
    connect({ servers: nats.url, user: 'control-plane', pass: passwords.controlPlane }).catch(() => undefined),
  );
  controlPlane.subscribe(ENROLL_SUBJECT, {
    callback: (_err, msg) => {
      options.onEnroll?.();
      void handler.respond(msg.data).then((reply) => msg.respond(reply));
    },
  });
  const onRegistered = options.onRegistered;
  if (onRegistered) {
    controlPlane.subscribe(subjects.allRegistrations, {
      callback: (_err, msg) =>
        void (async () => {
          const request = decode(registerRequest, msg.data);
          const trusted = await hosts.verifyToken(request.hostId, request.token);
          if (trusted) onRegistered(request.hostId);
          msg.respond(encode(trusted ? { ok: true } : { ok: false, error: 'unknown or revoked host credentials' }));
        })(),
    });
  }
  await controlPlane.flush();
  return {
    dir,
    nats,
    redis,
    hosts,
    ledger,
    natsUsers,
    group,
    controlPlane,
    stop: async () => {
      await controlPlane.close().catch(() => undefined);
      redis.disconnect();
      await redisService.stop();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
