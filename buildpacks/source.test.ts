import { execFileSync } from 'node:child_process';
import { lstat, mkdir, writeFile, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError } from './errors.js';
import { extractSource } from './source.js';

type Member = Partial<Header> & { name: string; body?: string };

async function tarOf(members: Member[]): Promise<Buffer> {
  const archive = pack();
  for (const { body, ...header } of members) {
    await new Promise<void>((resolve, reject) => archive.entry(header, body ?? '', (err) => (err ? reject(err) : resolve())));
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'slipway-source-'));
});
afterAll(async () => rm(base, { recursive: true, force: true }));

let count = 0;
async function extractMembers(members: Member[], maxBytes = 1024 * 1024) {
  const dest = join(base, `app-${count++}`);
  const result = await extractSource(Readable.from(await tarOf(members)), dest, { owner: { uid: 1000, gid: 1000 }, maxBytes });
  return { dest, result };
}

describe('extractSource', () => {
  it('unpacks files, directories, links and modes, owned by the app user, and lists root names', async () => {
    const { dest, result } = await extractMembers([
      { name: 'package.json', body: '{}' },
      { name: 'bin/', type: 'directory' },
      { name: 'bin/start', body: '#!/bin/sh\n', mode: 0o755 },
      { name: 'lib/deep/x.js', body: 'x' },
      { name: 'current', type: 'symlink', linkname: 'lib/deep' },
      { name: 'copy.js', type: 'link', linkname: 'lib/deep/x.js' },
    ]);
    expect(result.rootFiles).toEqual(new Set(['package.json', 'bin', 'lib', 'current', 'copy.js']));
    expect(result.files).toBe(3);
    expect((await stat(join(dest, 'bin/start'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(dest, 'copy.js'), 'utf8')).toBe('x');
    expect(await readlink(join(dest, 'current'))).toBe('lib/deep');
    const owner = await lstat(join(dest, 'lib/deep/x.js'));
    expect([owner.uid, owner.gid]).toEqual([1000, 1000]);
    expect((await lstat(dest)).uid).toBe(1000);
  });

  it('reads what git archive writes (its pax global header is not a file)', async () => {
    const repo = join(base, 'repo');
    await mkdir(repo, { recursive: true });
    await writeFile(join(repo, 'index.js'), 'console.log(1);\n');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const dest = join(base, 'from-git');
    const result = await extractSource(Readable.from(git('archive', '--format=tar', 'HEAD')), dest, { owner: { uid: 1000, gid: 1000 }, maxBytes: 1e6 });
    expect(result.rootFiles).toEqual(new Set(['index.js']));
    expect(await readFile(join(dest, 'index.js'), 'utf8')).toBe('console.log(1);\n');
  });

  it('refuses members that climb out of the app directory', async () => {
    await expect(extractMembers([{ name: '../escape.txt', body: 'x' }])).rejects.toThrow(BuildError);
    await expect(extractMembers([{ name: '/etc/evil', body: 'x' }])).rejects.toThrow(/unsafe path/);
  });

  it('refuses to write through a symlink the archive planted', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'slipway-outside-'));
    try {
      await expect(
        extractMembers([
          { name: 'evil', type: 'symlink', linkname: outside },
          { name: 'evil/planted.txt', body: 'gotcha' },
        ]),
      ).rejects.toThrow(/unsafe path/);
      await expect(stat(join(outside, 'planted.txt'))).rejects.toThrow();
      await expect(
        extractMembers([
          { name: 'link', type: 'symlink', linkname: join(outside, 'target') },
          { name: 'link', body: 'replaces the link, never follows it' },
        ]),
      ).resolves.toBeDefined();
      await expect(stat(join(outside, 'target'))).rejects.toThrow();
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses hard links to anything outside or missing', async () => {
    await expect(extractMembers([{ name: 'pw', type: 'link', linkname: '/etc/passwd' }])).rejects.toThrow(/unsafe path/);
  });

  it('refuses sources over the size limit, and garbage', async () => {
    await expect(extractMembers([{ name: 'big', body: 'x'.repeat(2000) }], 1000)).rejects.toThrow(/larger than/);
    const dest = join(base, 'garbage');
    await expect(
      extractSource(Readable.from(Buffer.from('this is not a tar archive at all'.repeat(40))), dest, { owner: { uid: 1000, gid: 1000 }, maxBytes: 1e6 }),
    ).rejects.toThrow(BuildError);
  });

  it('hears a source that fails before the first entry (a .tgz that is not gzip): a BuildError, never an uncaught error', async () => {
    // fails as soon as it can, as gunzip does on bytes that are not gzip: before any file I/O finishes
    const failing = new PassThrough();
    process.nextTick(() => failing.destroy(new Error('incorrect header check')));
    await expect(extractSource(failing, join(base, 'not-gzip'), { owner: { uid: 1000, gid: 1000 }, maxBytes: 1e6 })).rejects.toThrow(
      /is not a readable tar archive/,
    );
  });
});
