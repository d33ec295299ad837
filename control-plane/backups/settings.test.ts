import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupsKey, backupsSettings } from './settings.js';

describe('backups settings', () => {
  it('are off unless an endpoint is set; a URL is path-style, `aws` is AWS itself, `local` the local server', () => {
    expect(backupsSettings({}, '/h')).toMatchObject({ storage: null, key: null, keyFile: '/h/secrets/backups-key' });
    const creds = { SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID: 'id', SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY: 'secret' };
    expect(backupsSettings({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'http://127.0.0.1:9000', SLIPWAY_BACKUPS_S3_BUCKET: 'dumps', ...creds }, '/h').storage).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      bucket: 'dumps',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    expect(backupsSettings({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'aws', SLIPWAY_BACKUPS_S3_REGION: 'eu-west-1', ...creds }, '/h').storage).toMatchObject({ endpoint: null, region: 'eu-west-1', forcePathStyle: false });
    expect(backupsSettings({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'local' }, '/h').storage).toBe('local');
  });

  it('refuse an endpoint without credentials, a bad endpoint, and a key that is not 32 bytes', () => {
    expect(() => backupsSettings({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'http://127.0.0.1:9000' }, '/h')).toThrow(/ACCESS_KEY_ID/);
    expect(() => backupsSettings({ SLIPWAY_BACKUPS_S3_ENDPOINT: 'minio', SLIPWAY_BACKUPS_S3_ACCESS_KEY_ID: 'a', SLIPWAY_BACKUPS_S3_SECRET_ACCESS_KEY: 'b' }, '/h')).toThrow(/URL/);
    expect(() => backupsSettings({ SLIPWAY_BACKUPS_KEY: randomBytes(16).toString('base64') }, '/h')).toThrow(/32 bytes/);
    expect(backupsSettings({ SLIPWAY_BACKUPS_KEY: randomBytes(32).toString('base64') }, '/h').key).toHaveLength(32);
  });

  it('make the key once, 0600, and keep it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-backups-key-'));
    try {
      const settings = backupsSettings({}, home);
      const made = await backupsKey(settings);
      expect(made).toHaveLength(32);
      expect((await stat(settings.keyFile)).mode & 0o777).toBe(0o600);
      expect(await backupsKey(settings)).toEqual(made);
      expect((await readFile(settings.keyFile, 'utf8')).trim()).toBe(made.toString('base64'));
      const given = randomBytes(32);
      expect(await backupsKey({ key: given, keyFile: settings.keyFile })).toEqual(given);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
