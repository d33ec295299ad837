import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readZipEntry, zipEntryNames, ZipError } from './zip.js';

/** A zip written here byte by byte: one stored and one deflated entry (the reader must not rely on any zip tool). */
function zipOf(entries: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('readZipEntry', () => {
  it('reads stored and deflated entries by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-zip-'));
    dirs.push(dir);
    const path = join(dir, 'a.whl');
    const big = Buffer.from('uv binary '.repeat(10_000));
    await writeFile(path, zipOf([{ name: 'a/README', data: Buffer.from('plain'), deflate: false }, { name: 'a.data/scripts/uv', data: big, deflate: true }]));
    expect(await zipEntryNames(path)).toEqual(['a/README', 'a.data/scripts/uv']);
    expect((await readZipEntry(path, 'a/README')).toString()).toBe('plain');
    expect((await readZipEntry(path, 'a.data/scripts/uv')).equals(big)).toBe(true);
    await expect(readZipEntry(path, 'missing')).rejects.toThrow(ZipError);
  });

  it('refuses a file that is not a zip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-zip-'));
    dirs.push(dir);
    await writeFile(join(dir, 'x'), 'not a zip at all, just some text that is long enough to scan');
    await expect(readZipEntry(join(dir, 'x'), 'y')).rejects.toThrow(/not a zip archive/);
  });
});
