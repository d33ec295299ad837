// The credentials file written by `slipway login`: the API URL and a token, mode 0600.
// Environment variables override it; a stored token is only ever sent to the API it came from.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { CliConfig } from './config.js';
import { CliError } from './errors.js';

const storedCredentials = z.object({
  apiUrl: z.string().url(),
  token: z.string().min(1),
  email: z.string().optional(),
});
export type StoredCredentials = z.infer<typeof storedCredentials>;

export interface Credentials {
  apiUrl: string;
  token: string;
}

/** The stored credentials, or null when there is no file. A damaged file is an error. */
export async function readCredentials(path: string): Promise<StoredCredentials | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`Could not read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: log in again.`, { cause: err });
  }
  const result = storedCredentials.safeParse(parsed);
  if (!result.success) throw new CliError(`${path} is damaged: log in again.`);
  return result.data;
}

/** Writes the file atomically, readable by its owner only (directory 0700, file 0600). */
export async function writeCredentials(path: string, credentials: StoredCredentials): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // the mode given to writeFile is filtered by the umask; 0600 is what we promise
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw new CliError(`Could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Removes the file; returns whether there was one. */
export async function removeCredentials(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`Could not remove ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Normalises an API URL: http(s) only, no trailing slash. Throws a CliError otherwise. */
export function normaliseApiUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new CliError(`Not a URL: ${input}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`The API URL must be http or https: ${input}`);
  if (url.username || url.password) throw new CliError('The API URL must not contain credentials; use --token.');
  return url.href.replace(/\/+$/, '');
}

function sameApi(a: string, b: string): boolean {
  return normaliseApiUrl(a) === normaliseApiUrl(b);
}

/**
 * What to talk to and with which token: SLIPWAY_API_URL and SLIPWAY_API_TOKEN override the
 * file, each on its own, except that the file's token never goes to another API than the
 * one it was stored for.
 */
export function resolveCredentials(config: Pick<CliConfig, 'apiUrl' | 'apiToken'>, stored: StoredCredentials | null): Credentials | null {
  const apiUrl = config.apiUrl ?? stored?.apiUrl ?? null;
  if (!apiUrl) return null;
  const token = config.apiToken ?? (stored && sameApi(stored.apiUrl, apiUrl) ? stored.token : null);
  if (!token) return null;
  return { apiUrl: normaliseApiUrl(apiUrl), token };
}
