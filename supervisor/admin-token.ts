// The operator's first API token: generated on the first start, kept (root-readable only)
// under the state dir so later starts and endpoints.json show the same one.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueToken } from '../common/api-token.js';

/** Where the operator's token is kept under the state dir. */
export const adminTokenFile = (home: string): string => join(home, 'admin-token');

export async function adminToken(home: string): Promise<string> {
  const file = adminTokenFile(home);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const { token } = issueToken();
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
