// Reading zip archives (Go module zips, Python wheels, Java jars; whatever registries ship as zips):
// the central directory, then each entry's bytes on demand, inflated by Node's zlib. Only
// what registries write is supported: stored or deflated entries, no encryption, no zip64.
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';

const inflate = promisify(inflateRaw);

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ZipEntry {
  /** the name as stored, `/`-separated; directories end with `/` */
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

/** Finds the end-of-central-directory record in the archive's tail (pure). */
export function findEndOfCentralDirectory(tail: Buffer): { entries: number; size: number; offset: number } {
  for (let at = tail.length - EOCD_MIN; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
    const entries = tail.readUInt16LE(at + 10);
    const size = tail.readUInt32LE(at + 12);
    const offset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
    return { entries, size, offset };
  }
  throw new ZipError('not a zip archive (no end of central directory)');
}

/** The entries listed in a central directory (pure). */
export function parseCentralDirectory(directory: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError('corrupt central directory');
    const flags = directory.readUInt16LE(at + 8);
    if (flags & 0x1) throw new ZipError('encrypted zip entries are not supported');
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    entries.push({
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new ZipError('truncated zip archive');
  return buffer;
}

export class ZipArchive {
  private constructor(
    private readonly handle: FileHandle,
    readonly entries: readonly ZipEntry[],
  ) {}

  static async open(path: string): Promise<ZipArchive> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const tailLength = Math.min(size, EOCD_MIN + MAX_COMMENT);
      const end = findEndOfCentralDirectory(await readAt(handle, size - tailLength, tailLength));
      const entries = parseCentralDirectory(await readAt(handle, end.offset, end.size), end.entries);
      return new ZipArchive(handle, entries);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The uncompressed bytes of `entry`, refused past `maxBytes`. */
  async read(entry: ZipEntry, maxBytes = Infinity): Promise<Buffer> {
    if (entry.size > maxBytes || entry.compressedSize > maxBytes) throw new ZipError(`${entry.name}: ${entry.size} bytes, more than ${maxBytes}`);
    const local = await readAt(this.handle, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new ZipError(`corrupt local header for ${entry.name}`);
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = entry.compressedSize === 0 ? Buffer.alloc(0) : await readAt(this.handle, dataStart, entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = await inflate(raw, Number.isFinite(maxBytes) ? { maxOutputLength: maxBytes } : {});
    else throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
    if (data.length !== entry.size) throw new ZipError(`${entry.name}: ${data.length} bytes, the directory says ${entry.size}`);
    return data;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The bytes of the first entry of the zip at `path` whose name `matches`, at most `maxBytes`; null when none matches. */
export async function readZipEntry(path: string, matches: (name: string) => boolean, maxBytes = Infinity): Promise<Buffer | null> {
  const zip = await ZipArchive.open(path);
  try {
    const entry = zip.entries.find((candidate) => matches(candidate.name));
    return entry ? await zip.read(entry, maxBytes) : null;
  } finally {
    await zip.close();
  }
}
