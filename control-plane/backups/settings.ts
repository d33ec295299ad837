// Backups' settings, read once from the environment (pure), and the platform's backups key:
// SLIPWAY_BACKUPS_KEY (32 bytes, base64), or one generated on the first start and kept, readable
// by its owner only, under $SLIPWAY_HOME/secrets like the platform's other secrets.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from '../../common/config.js';
import { ConfigError } from '../../common/errors.js';
import type { BackupStorage } from '../../common/protocol.js';

export interface BackupsSettings {
  /** null: backups are not offered (no store configured); 'local': the supervisor's local S3 server (its address comes later) */
  storage: BackupStorage | 'local' | null;
  /** the key given in the environment, or null to use (or make) `keyFile` */
  key: Buffer | null;
  keyFile: string;
  /** how often due schedules are looked for */
  scheduleCheckMs: number;
}

const schema = z.object({
  SLIPWAY_BACKUPS_S3_ENDPOINT: z.string().min(1).optional(),
  SLIPWAY_BACKUPS_S3_BUCKET: z.string().min(3).default('slipway-backups'),
  SLIPWAY_BACKUPS_S3_REGION: z.string().min(1).default('us-east-1'),
  SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  SLIPWAY_BACKUPS_KEY: z.string().optional(),
  SLIPWAY_BACKUPS_SCHEDULE_CHECK_SECONDS: z.coerce.number().positive().default(60),
});

/** `SLIPWAY_BACKUPS_S3_ENDPOINT`: a URL (path-style addressing), `aws` (AWS S3 itself,
 *  virtual-hosted), `local` (the supervisor's moto server); unset: no backups. */
export function backupsSettings(env: Env, home: string): BackupsSettings {
  const e = parseEnv(schema, env);
  let key: Buffer | null = null;
  if (e.SLIPWAY_BACKUPS_KEY !== undefined) {
    key = Buffer.from(e.SLIPWAY_BACKUPS_KEY, 'base64');
    if (key.length !== 32) throw new ConfigError('invalid configuration: SLIPWAY_BACKUPS_KEY must be 32 bytes, base64 (openssl rand -base64 32)');
  }
  const settings = { key, keyFile: join(home, 'secrets', 'backups-key'), scheduleCheckMs: e.SLIPWAY_BACKUPS_SCHEDULE_CHECK_SECONDS * 1000 };
  const endpoint = e.SLIPWAY_BACKUPS_S3_ENDPOINT;
  if (endpoint === undefined) return { ...settings, storage: null };
  if (endpoint === 'local') return { ...settings, storage: 'local' };
  if (!e.SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID || !e.SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY) {
    throw new ConfigError('invalid configuration: SLIPWAY_BACKUPS_S3_ENDPOINT needs SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID and SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY');
  }
  if (endpoint !== 'aws' && !/^https?:\/\/[^/]+/.test(endpoint)) throw new ConfigError('invalid configuration: SLIPWAY_BACKUPS_S3_ENDPOINT is a URL, `aws` or `local`');
  const aws = endpoint === 'aws';
  return {
    ...settings,
    storage: {
      endpoint: aws ? null : endpoint,
      region: e.SLIPWAY_BACKUPS_S3_REGION,
      bucket: e.SLIPWAY_BACKUPS_S3_BUCKET,
      accessKeyId: e.SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID,
      secretAccessKey: e.SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY,
      forcePathStyle: !aws,
    },
  };
}

/** The platform's backups key: the configured one, else the kept one, made (mode 0600) the first time. */
export async function backupsKey(settings: Pick<BackupsSettings, 'key' | 'keyFile'>): Promise<Buffer> {
  if (settings.key) return settings.key;
  if (existsSync(settings.keyFile)) {
    const kept = Buffer.from((await readFile(settings.keyFile, 'utf8')).trim(), 'base64');
    if (kept.length !== 32) throw new ConfigError(`${settings.keyFile} does not hold a 32-byte base64 key`);
    return kept;
  }
  const key = randomBytes(32);
  await mkdir(dirname(settings.keyFile), { recursive: true, mode: 0o700 });
  await writeFile(settings.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(settings.keyFile, 0o600);
  return key;
}
