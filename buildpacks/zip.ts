// Reads one file out of a zip archive (a Python wheel, a Java jar): the central directory
// names it, its local header says where the data starts, and the data is stored or deflated.
// Enough for the archives package registries publish; no zip64, no encryption.
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export class ZipError extends Error {
  override name = 'ZipError';
}

/** The names of the archive's entries and where their local headers are. */
function centralDirectory(zip: Buffer): Map<string, { offset: number; method: number; compressedSize: number; size: number }> {
  let end = -1;
  // The end record is the last 22 bytes plus a comment of up to 64 KiB.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, { offset: number; method: number; compressedSize: number; size: number }>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new ZipError('corrupt central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const offset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    entries.set(name, { offset, method, compressedSize, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The names of the entries in the zip archive at `path`. */
export async function zipEntryNames(path: string): Promise<string[]> {
  return [...centralDirectory(await readFile(path)).keys()];
}

/** The bytes of entry `name` in the zip archive at `path`. */
export async function readZipEntry(path: string, name: string): Promise<Buffer> {
  const zip = await readFile(path);
  const entry = centralDirectory(zip).get(name);
  if (!entry) throw new ZipError(`${name} is not in the archive`);
  if (zip.readUInt32LE(entry.offset) !== LOCAL_FILE_HEADER) throw new ZipError(`corrupt local header for ${name}`);
  const start = entry.offset + 30 + zip.readUInt16LE(entry.offset + 26) + zip.readUInt16LE(entry.offset + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  let bytes: Buffer;
  if (entry.method === 0) bytes = Buffer.from(data);
  else if (entry.method === 8) bytes = inflateRawSync(data);
  else throw new ZipError(`${name} uses compression method ${entry.method}`);
  if (bytes.length !== entry.size) throw new ZipError(`${name} is ${bytes.length} bytes, the archive says ${entry.size}`);
  return bytes;
}
