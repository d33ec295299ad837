// The control plane's backups, put together at start: the store, the key (made once if none is
// given), and the pass that starts due scheduled captures (one control plane at a time).
import type { Redis } from 'ioredis';
import { ConfigError, describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { LeasedPass } from '../leased-pass.js';
import type { AddonStore } from '../store/addons.js';
import { keys } from '../store/keys.js';
import { Backups, type BackupAgents } from './service.js';
import { backupsKey, type BackupsSettings } from './settings.js';
import { BackupStore } from './store.js';

export interface BackupsWiring {
  service: Backups;
  start(): void;
  stop(): Promise<void>;
}

export async function makeBackups(deps: { config: BackupsSettings; redis: Redis; agents: BackupAgents; addons: Pick<AddonStore, 'get'>; logger: Logger }): Promise<BackupsWiring> {
  const { config, redis, logger } = deps;
  if (config.storage === 'local') throw new ConfigError('invalid configuration: SLIPWAY_BACKUPS_S3_ENDPOINT=local is for `npm start` (the supervisor runs the local store and passes its address on)');
  const service = new Backups({
    store: new BackupStore(redis),
    agents: deps.agents,
    storage: config.storage,
    // no store, no key needed: none is made on a platform that keeps no backups
    key: config.storage ? await backupsKey(config) : Buffer.alloc(32),
    logger,
    addonById: (id) => deps.addons.get(id),
  });
  const passes = new LeasedPass(
    redis,
    keys.backupSchedulingLock,
    Math.max(30_000, config.scheduleCheckMs * 2),
    async () => void (await service.runDueSchedules()),
    (err) => logger.warn({ err: describeError(err) }, 'backup scheduling pass failed'),
  );
  return {
    service,
    start: () => {
      if (config.storage) passes.start(config.scheduleCheckMs);
    },
    stop: async () => {
      await passes.stop();
      await service.drain();
    },
  };
}
