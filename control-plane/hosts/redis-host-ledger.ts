// The AWS engine hosts' ledger in Redis: credentials waiting for an instance (pending), and
// which instance holds which host. Claims are Lua scripts, so one pending credential goes to
// exactly one instance, an instance gets the same host every time it asks, and a retired
// instance gets none. Tokens are stored encrypted (AES-256-GCM, key derived from the
// enrollment secret), because Redis is also readable by the routers.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { HostCredentials } from '../../host-providers/provider.js';
import { HostLedgerError, type EnrolledHost, type HostLedger } from '../../host-providers/aws/host-ledger.js';
import type { Claim, EnrollmentLedger } from './enrollment.js';

const PREFIX = 'slipway:aws-hosts';
export const ledgerKeys = {
  /** hash: host id → sealed token, for hosts no instance has taken yet */
  pending: `${PREFIX}:pending`,
  /** list: pending host ids, oldest first */
  queue: `${PREFIX}:queue`,
  /** hash: host id → JSON {instanceId, address, sealed} */
  bound: `${PREFIX}:bound`,
  /** string: host id, or RETIRED */
  instance: (instanceId: string) => `${PREFIX}:instance:${instanceId}`,
} as const;

const RETIRED = '!retired';
/** Retired instances are long gone after this; their ids are never reused by EC2 anyway. */
const RETIRED_TTL_SECONDS = 30 * 24 * 3600;

const record = z.object({ instanceId: z.string(), address: z.string(), sealed: z.string() });

// KEYS: pending, queue, bound; ARGV: hostId1, sealed1, hostId2, sealed2, ...
const ADD_PENDING = `
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 or redis.call('HEXISTS', KEYS[3], ARGV[i]) == 1 then
    return redis.error_reply('host ' .. ARGV[i] .. ' is already known')
  end
end
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('RPUSH', KEYS[2], ARGV[i])
end
return #ARGV / 2
`;

// What an instance already holds: {'again', hostId, record} or {'retired'}, or nil.
const HELD = `
local function held(instanceKey, bound)
  local current = redis.call('GET', instanceKey)
  if not current then return nil end
  if current == '${RETIRED}' then return {'retired'} end
  local existing = redis.call('HGET', bound, current)
  if not existing then return {'retired'} end
  return {'again', current, existing}
end
`;

// KEYS: pending, queue, bound, instance key; ARGV: instanceId, address
const CLAIM = `${HELD}
local already = held(KEYS[4], KEYS[3])
if already then return already end
while true do
  local hostId = redis.call('LPOP', KEYS[2])
  if not hostId then return {'none'} end
  local sealed = redis.call('HGET', KEYS[1], hostId)
  if sealed then
    redis.call('HDEL', KEYS[1], hostId)
    local bound = cjson.encode({instanceId = ARGV[1], address = ARGV[2], sealed = sealed})
    redis.call('HSET', KEYS[3], hostId, bound)
    redis.call('SET', KEYS[4], hostId)
    return {'assigned', hostId, bound}
  end
end
`;

// KEYS: bound, instance key; ARGV: instanceId, address, hostId, sealed
const ADOPT = `${HELD}
local already = held(KEYS[2], KEYS[1])
if already then return already end
if redis.call('HEXISTS', KEYS[1], ARGV[3]) == 1 then return redis.error_reply('host ' .. ARGV[3] .. ' is already enrolled') end
local bound = cjson.encode({instanceId = ARGV[1], address = ARGV[2], sealed = ARGV[4]})
redis.call('HSET', KEYS[1], ARGV[3], bound)
redis.call('SET', KEYS[2], ARGV[3])
return {'assigned', ARGV[3], bound}
`;

export class RedisHostLedger implements HostLedger, EnrollmentLedger {
  private readonly key: Buffer;

  constructor(
    private readonly redis: Redis,
    enrollmentSecret: string,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', enrollmentSecret, 'slipway', 'slipway host ledger v1', 32));
  }

  async addPending(credentials: readonly HostCredentials[]): Promise<void> {
    if (credentials.length === 0) return;
    const args = credentials.flatMap((c) => [c.hostId, this.seal(c.hostId, c.token)]);
    try {
      await this.redis.eval(ADD_PENDING, 3, ledgerKeys.pending, ledgerKeys.queue, ledgerKeys.bound, ...args);
    } catch (err) {
      throw new HostLedgerError(err instanceof Error ? err.message.replace(/^ERR /, '') : String(err));
    }
  }

  async removePending(hostId: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().hdel(ledgerKeys.pending, hostId).lrem(ledgerKeys.queue, 0, hostId).exec()) as [[unknown, number]];
    return removed === 1;
  }

  async enrolledHost(hostId: string): Promise<EnrolledHost | null> {
    const raw = await this.redis.hget(ledgerKeys.bound, hostId);
    return raw ? this.enrolledFrom(hostId, raw) : null;
  }

  async enrolled(): Promise<EnrolledHost[]> {
    const all = await this.redis.hgetall(ledgerKeys.bound);
    return Object.entries(all)
      .map(([hostId, raw]) => this.enrolledFrom(hostId, raw))
      .sort((a, b) => a.hostId.localeCompare(b.hostId));
  }

  async retireInstance(instanceId: string): Promise<boolean> {
    return (await this.redis.set(ledgerKeys.instance(instanceId), RETIRED, 'EX', RETIRED_TTL_SECONDS, 'NX')) === 'OK';
  }

  async forget(hostId: string): Promise<void> {
    const enrolled = await this.enrolledHost(hostId);
    const transaction = this.redis.multi().hdel(ledgerKeys.bound, hostId);
    if (enrolled) transaction.set(ledgerKeys.instance(enrolled.instanceId), RETIRED, 'EX', RETIRED_TTL_SECONDS);
    await transaction.exec();
  }

  async claim(instanceId: string, address: string): Promise<Claim> {
    const result = (await this.redis.eval(
      CLAIM,
      4,
      ledgerKeys.pending,
      ledgerKeys.queue,
      ledgerKeys.bound,
      ledgerKeys.instance(instanceId),
      instanceId,
      address,
    )) as string[];
    return this.claimFrom(result);
  }

  async adopt(instanceId: string, address: string, credentials: HostCredentials): Promise<Claim> {
    const result = (await this.redis.eval(
      ADOPT,
      2,
      ledgerKeys.bound,
      ledgerKeys.instance(instanceId),
      instanceId,
      address,
      credentials.hostId,
      this.seal(credentials.hostId, credentials.token),
    )) as string[];
    return this.claimFrom(result);
  }

  private claimFrom([kind, hostId, raw]: string[]): Claim {
    if (kind === 'none' || kind === 'retired') return { kind };
    if ((kind === 'assigned' || kind === 'again') && hostId && raw) {
      return { kind, credentials: { hostId, token: this.open(hostId, record.parse(JSON.parse(raw)).sealed) } };
    }
    throw new HostLedgerError(`unexpected ledger answer: ${kind}`);
  }

  private enrolledFrom(hostId: string, raw: string): EnrolledHost {
    const parsed = record.parse(JSON.parse(raw));
    return { hostId, instanceId: parsed.instanceId, address: parsed.address };
  }

  private seal(hostId: string, token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(hostId, 'utf8'));
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private open(hostId: string, sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12)).setAAD(Buffer.from(hostId, 'utf8'));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch (err) {
      // A changed enrollment secret, or a record moved to another host: never a wrong token.
      throw new HostLedgerError(`the stored token of host ${hostId} does not decrypt with the current enrollment secret`, { cause: err });
    }
  }
}
