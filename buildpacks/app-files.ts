// Reading files of the pushed app on the host, where the builder runs as root: never through
// a symlink (a `package.json -> /etc/shadow` would otherwise leak host files into the log).
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './errors.js';

/** The contents of `name` at the root of the app, which must be a regular file. */
export async function readAppFile(appDir: string, name: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(join(appDir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new BuildError(`${name} must be a regular file, not a symbolic link.`);
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new BuildError(`${name} must be a regular file.`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Whether anything is at `path` (a dangling symlink too: it is never followed). */
export async function pathExists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}
