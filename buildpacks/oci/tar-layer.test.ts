import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDigest } from './blob.js';
import { LAYER_MTIME, compareNames, prefixDirectories, writeTarLayer } from './tar-layer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-layer-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function makeTree(root: string, order: string[], mtime: Date): Promise<void> {
  // Same content, created in a different order and at a different time.
  await mkdir(root, { recursive: true });
  for (const name of order) {
    if (name === 'lib') {
      await mkdir(join(root, 'lib'), { recursive: true });
      await writeFile(join(root, 'lib', 'util.js'), 'module.exports = 1;\n');
    } else if (name === 'server.js') {
      await writeFile(join(root, 'server.js'), 'console.log("hi");\n');
    } else if (name === 'bin') {
      await mkdir(join(root, 'bin'), { recursive: true });
      await writeFile(join(root, 'bin', 'run'), '#!/bin/sh\necho run\n');
      await chmod(join(root, 'bin', 'run'), 0o755);
      await symlink('run', join(root, 'bin', 'go'));
    } else if (name === '.git') {
      await mkdir(join(root, '.git'), { recursive: true });
      await writeFile(join(root, '.git', 'HEAD'), `ref: ${Math.random()}\n`);
    }
  }
  for (const path of ['server.js', 'lib/util.js', 'bin/run', 'lib', 'bin']) await utimes(join(root, path), mtime, mtime);
}

async function contents(file: string): Promise<{ header: Header; body: Buffer }[]> {
  const found: { header: Header; body: Buffer }[] = [];
  const unpack = extract();
  const feeding = pipeline(createReadStream(file), createGunzip(), unpack);
  for await (const entry of unpack) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    found.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  await feeding;
  return found;
}

const entries = async (file: string): Promise<Header[]> => (await contents(file)).map((entry) => entry.header);

describe('writeTarLayer', () => {
  it('gives identical digests for identical content, whatever the creation order, times and ignored files', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await makeTree(a, ['server.js', 'lib', 'bin', '.git'], new Date('2020-01-01'));
    await makeTree(b, ['bin', '.git', 'lib', 'server.js'], new Date('2024-06-01'));
    const exclude = (path: string) => path === '.git';
    const first = await writeTarLayer([{ root: a, prefix: 'app', exclude }], join(dir, 'a.tar.gz'));
    const second = await writeTarLayer([{ root: b, prefix: 'app', exclude }], join(dir, 'b.tar.gz'));
    expect(second.digest).toBe(first.digest);
    expect(second.diffId).toBe(first.diffId);
    expect(first.digest).not.toBe(first.diffId);
    expect(await fileDigest(first.path)).toEqual({ digest: first.digest, size: first.size });
  });

  it('changes the digest when content changes', async () => {
    const c = join(dir, 'c');
    await makeTree(c, ['server.js', 'lib', 'bin'], new Date('2020-01-01'));
    const before = await writeTarLayer([{ root: c, prefix: 'app' }], join(dir, 'c1.tar.gz'));
    await writeFile(join(c, 'server.js'), 'console.log("changed");\n');
    const after = await writeTarLayer([{ root: c, prefix: 'app' }], join(dir, 'c2.tar.gz'));
    expect(after.digest).not.toBe(before.digest);
  });

  it('writes sorted entries under the prefix, owned by 1000:1000 with a fixed mtime, modes and links kept', async () => {
    const d = join(dir, 'd');
    await makeTree(d, ['server.js', 'lib', 'bin', '.git'], new Date('2021-01-01'));
    const layer = await writeTarLayer([{ root: d, prefix: 'layers/nodejs', exclude: (p) => p === '.git' }], join(dir, 'd.tar.gz'));
    const headers = await entries(layer.path);
    expect(headers.map((h) => h.name.replace(/\/$/, ''))).toEqual([
      'layers',
      'layers/nodejs',
      'layers/nodejs/bin',
      'layers/nodejs/bin/go',
      'layers/nodejs/bin/run',
      'layers/nodejs/lib',
      'layers/nodejs/lib/util.js',
      'layers/nodejs/server.js',
    ]);
    for (const h of headers) {
      expect([h.uid, h.gid]).toEqual([1000, 1000]);
      expect(h.mtime?.getTime()).toBe(LAYER_MTIME.getTime());
    }
    const byName = new Map(headers.map((h) => [h.name.replace(/\/$/, ''), h]));
    expect(byName.get('layers/nodejs/bin/run')?.mode).toBe(0o755);
    expect(byName.get('layers/nodejs/server.js')?.mode).toBe(0o644);
    expect(byName.get('layers/nodejs/bin/go')).toMatchObject({ type: 'symlink', linkname: 'run' });
  });

  it('keeps every byte and the order of a tree larger than its read-ahead, small files and streamed large ones alike', async () => {
    const root = join(dir, 'many');
    await mkdir(join(root, 'sub'), { recursive: true });
    const expected = new Map<string, Buffer>();
    for (let index = 0; index < 100; index++) {
      const name = `sub/file-${String(index).padStart(3, '0')}`;
      // three of them over the size that is read whole
      const size = index % 40 === 7 ? 3 * 1024 * 1024 + index : index * 97;
      const body = Buffer.alloc(size, index);
      await writeFile(join(root, name), body);
      expected.set(`app/${name}`, body);
    }
    const layer = await writeTarLayer([{ root, prefix: 'app' }], join(dir, 'many.tar.gz'));
    const files = (await contents(layer.path)).filter((entry) => entry.header.type === 'file');
    expect(files.map((entry) => entry.header.name)).toEqual([...expected.keys()]);
    for (const entry of files) expect(entry.body.equals(expected.get(entry.header.name)!)).toBe(true);
  });

  it('refuses a root that is a symlink (it could point anywhere on the host)', async () => {
    const link = join(dir, 'link-root');
    await symlink(join(dir, 'a'), link);
    await expect(writeTarLayer([{ root: link, prefix: 'app' }], join(dir, 'link.tar.gz'))).rejects.toThrow(/not a directory/);
  });

  it('lists the directories above a prefix and orders names bytewise', () => {
    expect(prefixDirectories('layers/nodejs')).toEqual(['layers', 'layers/nodejs']);
    expect(prefixDirectories('app')).toEqual(['app']);
    expect(['b', 'B', 'a', '_'].sort(compareNames)).toEqual(['B', '_', 'a', 'b']);
  });
});
