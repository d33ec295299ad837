import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPackageTarball } from './package-tarball.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-package-tarball-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

type Member = { name: string; content?: string; mode?: number; type?: Header['type']; linkname?: string };

/** A package tarball as registries serve them: members under `package/`, files before their directories or with none. */
async function tarball(name: string, members: Member[]): Promise<string> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of archive) chunks.push(chunk as Buffer);
  })();
  for (const member of members) {
    await new Promise<void>((resolve, reject) =>
      archive.entry(
        { name: member.name, type: member.type ?? 'file', mode: member.mode ?? 0o644, uid: 501, gid: 20, mtime: new Date(), linkname: member.linkname },
        member.content ?? '',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  archive.finalize();
  await collected;
  const path = join(dir, name);
  await writeFile(path, gzipSync(Buffer.concat(chunks)));
  return path;
}

const MEMBERS: Member[] = [
  { name: 'package/bin/tool', content: '#!/bin/sh\n', mode: 0o4750 },
  { name: 'package/lib/deep/index.js', content: 'module.exports = 1;\n', mode: 0o600 },
  { name: 'package/README.md', content: 'readme\n' },
  { name: 'package/../escape.js', content: 'outside\n' },
  { name: 'package/lib/link', type: 'symlink', linkname: '/etc/passwd' },
];

describe('package tarballs', () => {
  it('unpacks kept regular files, readable, executable for all or none, nothing outside or linked', async () => {
    const source = await tarball('unpack.tgz', MEMBERS);
    const dest = join(dir, 'unpacked');
    expect(await extractPackageTarball(source, dest, (path) => path !== 'README.md')).toBe(2);
    expect((await lstat(join(dest, 'bin/tool'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(dest, 'lib/deep/index.js'))).mode & 0o7777).toBe(0o644);
    expect(await readFile(join(dest, 'lib/deep/index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect((await readdir(dest)).sort()).toEqual(['bin', 'lib']);
    expect(await readdir(join(dest, 'lib'))).toEqual(['deep']);
    await expect(lstat(join(dir, 'escape.js'))).rejects.toThrow();
  });

  it('unpacks thousands of small files and a large one intact', async () => {
    const large = Buffer.alloc(3 << 20, 'x').toString();
    const many: Member[] = Array.from({ length: 2000 }, (_, index) => ({ name: `package/include/d${index % 40}/f${index}.h`, content: `#define F${index}\n` }));
    const source = await tarball('many.tgz', [{ name: 'package/bin/big', content: large, mode: 0o755 }, ...many]);
    const dest = join(dir, 'many');
    expect(await extractPackageTarball(source, dest)).toBe(2001);
    expect(await readFile(join(dest, 'bin/big'), 'utf8')).toBe(large);
    expect(await readFile(join(dest, 'include/d7/f1287.h'), 'utf8')).toBe('#define F1287\n');
    expect((await readdir(join(dest, 'include'), { recursive: true })).filter((name) => name.endsWith('.h'))).toHaveLength(2000);
  });

  it('fails on a tarball that is not gzip', async () => {
    const broken = join(dir, 'broken.tgz');
    await writeFile(broken, 'not a tarball');
    await expect(extractPackageTarball(broken, join(dir, 'broken'))).rejects.toThrow();
  });

  it('fails when a file cannot be written, and has stopped writing when it does', async () => {
    const source = await tarball('blocked.tgz', [
      { name: 'package/lib/a.js', content: 'a\n' },
      ...Array.from({ length: 300 }, (_, index) => ({ name: `package/lib/f${index}.js`, content: 'f\n' })),
    ]);
    const dest = join(dir, 'blocked');
    await mkdir(dest);
    await writeFile(join(dest, 'lib'), 'a file where the lib directory should be');
    await expect(extractPackageTarball(source, dest)).rejects.toThrow(/EEXIST|ENOTDIR/);
    const settled = await readdir(dest);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(dest)).toEqual(settled);
  });
});
