import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { extract, pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDigest } from './oci/blob.js';
import { LAYER_MTIME } from './oci/tar-layer.js';
import { extractPackageTarball, unpackedFileMode, writePackageLayer } from './package-tarball.js';

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

async function layerEntries(path: string): Promise<{ header: Header; content: string }[]> {
  const entries: { header: Header; content: string }[] = [];
  const unpack = extract();
  const feeding = pipeline(createReadStream(path), createGunzip(), unpack);
  for await (const entry of unpack) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ header: entry.header, content: Buffer.concat(chunks).toString() });
  }
  await feeding;
  return entries;
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

  it('repacks the same files as a layer: under each prefix, directories first, one owner and mtime, then the symlinks', async () => {
    const source = await tarball('layer.tgz', MEMBERS);
    const second = await tarball('second.tgz', [{ name: 'package/b.js', content: 'b\n' }]);
    const layer = await writePackageLayer(
      [
        { tarball: source, prefix: 'layers/tool', keep: (path) => path !== 'README.md' },
        { tarball: second, prefix: 'layers/tool/lib/second' },
      ],
      [{ path: 'layers/tool/bin/run', target: '../lib/deep/index.js' }],
      join(dir, 'layer.tar.gz'),
    );
    const entries = await layerEntries(layer.path);
    expect(entries.map(({ header }) => `${header.type} ${header.name}`)).toEqual([
      'directory layers',
      'directory layers/tool',
      'directory layers/tool/bin',
      'file layers/tool/bin/tool',
      'directory layers/tool/lib',
      'directory layers/tool/lib/deep',
      'file layers/tool/lib/deep/index.js',
      'directory layers/tool/lib/second',
      'file layers/tool/lib/second/b.js',
      'symlink layers/tool/bin/run',
    ]);
    for (const { header } of entries) {
      expect([header.uid, header.gid, header.mtime?.getTime()]).toEqual([1000, 1000, LAYER_MTIME.getTime()]);
    }
    const byName = new Map(entries.map((entry) => [entry.header.name, entry]));
    expect(byName.get('layers/tool/bin/tool')!.header.mode).toBe(unpackedFileMode(0o4750));
    expect(byName.get('layers/tool/bin/tool')!.header.mode).toBe(0o755);
    expect(byName.get('layers/tool/lib/deep/index.js')!.header.mode).toBe(0o644);
    expect(byName.get('layers/tool/lib/deep/index.js')!.content).toBe('module.exports = 1;\n');
    expect(byName.get('layers/tool/bin/run')!.header.linkname).toBe('../lib/deep/index.js');
    expect(layer.digest).toBe((await fileDigest(layer.path)).digest);
  });

  it('gives a byte-identical layer for the same tarball', async () => {
    const source = await tarball('same.tgz', MEMBERS);
    const write = (name: string) => writePackageLayer([{ tarball: source, prefix: 'opt/tool' }], [], join(dir, name));
    const [a, b] = await Promise.all([write('a.tar.gz'), write('b.tar.gz')]);
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
  });

  it('fails on a tarball that is not gzip, leaving no layer file', async () => {
    const broken = join(dir, 'broken.tgz');
    await writeFile(broken, 'not a tarball');
    await expect(writePackageLayer([{ tarball: broken, prefix: 'opt/tool' }], [], join(dir, 'broken.tar.gz'))).rejects.toThrow();
    expect((await readdir(dir)).filter((name) => name.startsWith('broken.tar.gz'))).toEqual([]);
  });
});
