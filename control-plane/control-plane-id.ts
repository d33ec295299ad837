// This control plane's identity, kept in its home so that it survives a restart: builds it held
// when it died are known as its own at the next start and cleaned up at once.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function controlPlaneId(home: string): Promise<string> {
  const file = join(home, 'control-plane.id');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const id = randomUUID();
  await mkdir(home, { recursive: true });
  await writeFile(file, `${id}\n`, { flag: 'wx' }).catch(() => undefined);
  return (await readFile(file, 'utf8')).trim();
}
