import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppFile } from './app-files.js';
import { BuildError } from './errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-appfiles-'));
  await writeFile(join(dir, 'package.json'), '{"name":"x"}');
  await writeFile(join(dir, 'secret'), 'host secret');
  await symlink(join(dir, 'secret'), join(dir, 'Procfile'));
  await mkdir(join(dir, 'package-lock.json'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('readAppFile', () => {
  it('reads a regular file', async () => {
    expect((await readAppFile(dir, 'package.json')).toString()).toBe('{"name":"x"}');
  });

  it('refuses to follow a symlink, naming the file but not what it points at', async () => {
    const error = await readAppFile(dir, 'Procfile').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).message).toBe('Procfile must be a regular file, not a symbolic link.');
  });

  it('refuses a directory', async () => {
    await expect(readAppFile(dir, 'package-lock.json')).rejects.toThrow(BuildError);
  });
});
