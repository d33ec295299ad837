import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseApiUrl, readCredentials, removeCredentials, resolveCredentials, writeCredentials } from './credentials.js';

const stored = { apiUrl: 'http://127.0.0.1:5780', token: 'slw_stored', email: 'a@example.com' };

describe('resolveCredentials', () => {
  it('uses the stored URL and token', () => {
    expect(resolveCredentials({ apiUrl: null, apiToken: null }, stored)).toEqual({ apiUrl: 'http://127.0.0.1:5780', token: 'slw_stored' });
  });

  it('lets the environment override each of them', () => {
    expect(resolveCredentials({ apiUrl: null, apiToken: 'slw_env' }, stored)).toEqual({ apiUrl: 'http://127.0.0.1:5780', token: 'slw_env' });
    expect(resolveCredentials({ apiUrl: 'http://127.0.0.1:5780/', apiToken: null }, stored)?.token).toBe('slw_stored');
    expect(resolveCredentials({ apiUrl: 'https://api.example.com', apiToken: 'slw_env' }, null)).toEqual({
      apiUrl: 'https://api.example.com',
      token: 'slw_env',
    });
  });

  it('never sends the stored token to another API', () => {
    expect(resolveCredentials({ apiUrl: 'https://elsewhere.example.com', apiToken: null }, stored)).toBeNull();
  });

  it('is null without a URL or a token', () => {
    expect(resolveCredentials({ apiUrl: null, apiToken: null }, null)).toBeNull();
    expect(resolveCredentials({ apiUrl: null, apiToken: 'slw_env' }, null)).toBeNull();
  });
});

describe('normaliseApiUrl', () => {
  it('drops trailing slashes and keeps paths', () => {
    expect(normaliseApiUrl('http://127.0.0.1:5780/')).toBe('http://127.0.0.1:5780');
    expect(normaliseApiUrl('https://example.com/api//')).toBe('https://example.com/api');
  });
  it('refuses what is not an http(s) URL or carries credentials', () => {
    expect(() => normaliseApiUrl('127.0.0.1:5780')).toThrow(/http or https|Not a URL/);
    expect(() => normaliseApiUrl('ftp://example.com')).toThrow(/http or https/);
    expect(() => normaliseApiUrl('https://u:secret@example.com')).toThrow(/must not contain credentials/);
  });
});

describe('the credentials file', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-cli-creds-'));
    path = join(dir, 'config', 'slipway', 'credentials.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is written readable by its owner only, whatever the umask, and read back', async () => {
    const previous = process.umask(0);
    try {
      await writeCredentials(path, stored);
    } finally {
      process.umask(previous);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'config', 'slipway'))).mode & 0o777).toBe(0o700);
    expect(await readCredentials(path)).toEqual(stored);
  });

  it('replaces a file that was readable by others with a private one', async () => {
    await writeCredentials(path, stored);
    await chmod(path, 0o644);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    await writeCredentials(path, { ...stored, token: 'slw_new' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8')).token).toBe('slw_new');
  });

  it('reads as null when missing and fails clearly when damaged, without echoing it', async () => {
    expect(await readCredentials(path)).toBeNull();
    await writeCredentials(path, stored);
    await writeFile(path, '{"apiUrl": "http://x", "token": "slw_secret_bits"');
    await expect(readCredentials(path)).rejects.toThrow(/not valid JSON: log in again/);
    await writeFile(path, '{"apiUrl": 3, "token": "slw_secret_bits"}');
    const error = await readCredentials(path).catch((err: Error) => err);
    expect((error as Error).message).toMatch(/is damaged/);
    expect((error as Error).message).not.toContain('slw_secret_bits');
  });

  it('is removed by logout, once', async () => {
    await writeCredentials(path, stored);
    expect(await removeCredentials(path)).toBe(true);
    expect(await removeCredentials(path)).toBe(false);
  });
});
