import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndOfCentralDirectory, readZipEntry, ZipArchive, ZipError } from './zip-archive.js';

// Written by Python's zipfile: a directory entry, a stored file and a deflated one.
const PYTHON_ZIP = Buffer.from(
  'UEsDBBQAAAAAAAAAIQAAAAAAAAAAAAAAAAAJAAAAbUB2MS9kaXIvUEsDBBQAAAAAAI9ChF1IyRFICgAAAAoAAAAOAAAAbUB2MS9oZWxsby50eHRoZWxsbyB6aXAKUEsDBBQAAAAIAI9ChF3cZ0pnGQAAALgLAAAMAAAAbUB2MS9iaWcudHh07cIxDQAADAMgK3PXc/6/2ugBIX9RVVW3F1BLAQIUAxQAAAAAAAAAIQAAAAAAAAAAAAAAAAAJAAAAAAAAAAAAAACAAQAAAABtQHYxL2Rpci9QSwECFAMUAAAAAACPQoRdSMkRSAoAAAAKAAAADgAAAAAAAAAAAAAAgAEnAAAAbUB2MS9oZWxsby50eHRQSwECFAMUAAAACACPQoRd3GdKZxkAAAC4CwAADAAAAAAAAAAAAAAAgAFdAAAAbUB2MS9iaWcudHh0UEsFBgAAAAADAAMArQAAAKAAAAAAAA==',
  'base64',
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-zip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ZipArchive', () => {
  it('lists the entries and reads stored and deflated ones', async () => {
    const path = join(dir, 'python.zip');
    await writeFile(path, PYTHON_ZIP);
    const zip = await ZipArchive.open(path);
    try {
      expect(zip.entries.map((entry) => [entry.name, entry.method])).toEqual([
        ['m@v1/dir/', 0],
        ['m@v1/hello.txt', 0],
        ['m@v1/big.txt', 8],
      ]);
      expect((await zip.read(zip.entries[0]!)).length).toBe(0);
      expect((await zip.read(zip.entries[1]!)).toString()).toBe('hello zip\n');
      expect((await zip.read(zip.entries[2]!)).toString()).toBe('go '.repeat(1000));
    } finally {
      await zip.close();
    }
  });

  it('refuses what is not a zip, and a truncated one', async () => {
    await writeFile(join(dir, 'not.zip'), 'just text, no directory');
    await expect(ZipArchive.open(join(dir, 'not.zip'))).rejects.toThrow(/not a zip archive/);
    await writeFile(join(dir, 'cut.zip'), PYTHON_ZIP.subarray(60));
    await expect(ZipArchive.open(join(dir, 'cut.zip'))).rejects.toBeInstanceOf(ZipError);
  });

  it('refuses zip64 archives rather than misreading them', () => {
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(0xffff, 10);
    expect(() => findEndOfCentralDirectory(eocd)).toThrow(/zip64/);
  });
});

describe('readZipEntry', () => {
  it('reads the entry a name matches, null when none does, and refuses one past the size limit', async () => {
    const path = join(dir, 'entry.zip');
    await writeFile(path, PYTHON_ZIP);
    expect((await readZipEntry(path, (name) => name === 'm@v1/hello.txt'))?.toString()).toBe('hello zip\n');
    expect((await readZipEntry(path, (name) => name.endsWith('big.txt')))?.toString()).toBe('go '.repeat(1000));
    expect(await readZipEntry(path, (name) => name === 'missing')).toBeNull();
    await expect(readZipEntry(path, (name) => name.endsWith('big.txt'), 100)).rejects.toThrow(/more than 100/);
  });
});
