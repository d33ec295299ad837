// `npm start`'s local backups store (SLIPWAY_BACKUPS_S3_ENDPOINT=local): moto on loopback, its
// bucket made, and the settings it hands the control plane working as the control plane reads them.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BackupObjects } from '../common/backups/object-store.js';
import { freePort } from '../common/ports.js';
import { backupsSettings } from '../control-plane/backups/settings.js';
import { loadSupervisorConfig } from './config.js';
import { localBackupsEnv, motoArgv, startLocalBackupsStore } from './s3-server.js';

describe('the local backups store', () => {
  it('is asked for with SLIPWAY_BACKUPS_S3_ENDPOINT=local, bound to loopback', () => {
    expect(loadSupervisorConfig({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'local' }).localBackupsBucket).toBe('slipway-backups');
    expect(loadSupervisorConfig({}).localBackupsBucket).toBeNull();
    expect(loadSupervisorConfig({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'https://s3.example.com' }).localBackupsBucket).toBeNull();
    expect(motoArgv(4567)).toEqual(['/usr/bin/python3', '-m', 'moto.server', '-H', '127.0.0.1', '-p', '4567']);
    expect(localBackupsEnv('http://127.0.0.1:4567', 'b')).toMatchObject({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'http://127.0.0.1:4567', SLIPWAY_BACKUPS_S3_BUCKET: 'b' });
  });

  it('starts, makes its bucket, and takes objects with the settings it gives the control plane', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-local-s3-'));
    const store = await startLocalBackupsStore({
      dataDir: home,
      port: await freePort(),
      cacheDir: join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slipway'),
      caFile: process.env.SLIPWAY_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt',
      bucket: 'local-dumps',
    });
    try {
      const settings = backupsSettings(store.env, home);
      if (!settings.storage || settings.storage === 'local') throw new Error('no storage');
      const objects = new BackupObjects(settings.storage);
      expect(await objects.upload('x/b001', Readable.from([Buffer.from('sealed')]))).toBe(6);
      expect(await objects.size('x/b001')).toBe(6);
      objects.close();
    } finally {
      await store.service.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 300_000);
});
