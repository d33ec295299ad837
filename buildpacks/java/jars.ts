// The app's runnable jar: the one jar Maven left in target/ whose manifest names a Main-Class
// (shaded and Spring Boot jars do; plain, sources, javadoc and shade's original-* jars do not).
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** the end-of-central-directory record is 22 bytes plus a comment of up to 64 KiB */
const EOCD_SEARCH = 22 + 0xffff;
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Jars that are never the app: Maven's side artifacts and the shade plugin's unshaded copy. */
export function isCandidateJar(name: string): boolean {
  return name.endsWith('.jar') && !name.startsWith('original-') && !/-(sources|javadoc|tests|test-sources)\.jar$/.test(name);
}

/** The Main-Class of a manifest's main section, or null. */
export function manifestMainClass(manifest: string): string | null {
  // Long values continue on lines starting with one space.
  const lines = manifest.replace(/\r\n|\r/g, '\n').replace(/\n /g, '').split('\n');
  for (const line of lines) {
    if (line === '') break; // the main section ends at the first blank line
    const match = /^Main-Class:\s*(\S+)\s*$/i.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

/** META-INF/MANIFEST.MF of a jar (a zip), or null when it has none or cannot be read. */
export async function readJarManifest(path: string): Promise<string | null> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, EOCD_SEARCH);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let at = tailLength - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) === EOCD_SIGNATURE) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) return null;
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (directoryOffset + directorySize > size) return null; // zip64 or damaged: not one we read
    const directory = Buffer.alloc(directorySize);
    await file.read(directory, 0, directorySize, directoryOffset);
    for (let at = 0; at + 46 <= directorySize && directory.readUInt32LE(at) === CENTRAL_SIGNATURE; ) {
      const method = directory.readUInt16LE(at + 10);
      const compressedSize = directory.readUInt32LE(at + 20);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const localOffset = directory.readUInt32LE(at + 42);
      const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
      at += 46 + nameLength + extraLength + commentLength;
      if (name.toUpperCase() !== 'META-INF/MANIFEST.MF') continue;
      if (compressedSize > MAX_MANIFEST_BYTES || (method !== 0 && method !== 8)) return null;
      const local = Buffer.alloc(30);
      await file.read(local, 0, 30, localOffset);
      if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) return null;
      const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const data = Buffer.alloc(compressedSize);
      await file.read(data, 0, compressedSize, dataOffset);
      return (method === 8 ? inflateRawSync(data, { maxOutputLength: MAX_MANIFEST_BYTES }) : data).toString('utf8');
    }
    return null;
  } finally {
    await file.close();
  }
}

export type JarChoice =
  | { kind: 'one'; path: string; mainClass: string }
  | { kind: 'none' }
  | { kind: 'many'; paths: string[] };

/** Pure: the runnable jar among `runnable` (relative paths of jars with a Main-Class). */
export function chooseRunnableJar(runnable: { path: string; mainClass: string }[]): JarChoice {
  if (runnable.length === 0) return { kind: 'none' };
  if (runnable.length === 1) return { kind: 'one', ...runnable[0]! };
  return { kind: 'many', paths: runnable.map((jar) => jar.path).sort() };
}

/** The runnable jars in `<appDir>/target` (relative paths such as target/app.jar). */
export async function findRunnableJars(appDir: string): Promise<{ path: string; mainClass: string }[]> {
  const target = join(appDir, 'target');
  // The build wrote target/: only a real directory, and only regular files in it (no symlinks out).
  if (!(await lstat(target).catch(() => null))?.isDirectory()) return [];
  const entries = await readdir(target, { withFileTypes: true }).catch(() => []);
  const runnable: { path: string; mainClass: string }[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !isCandidateJar(entry.name)) continue;
    const manifest = await readJarManifest(join(target, entry.name)).catch(() => null);
    const mainClass = manifest ? manifestMainClass(manifest) : null;
    if (mainClass) runnable.push({ path: `target/${entry.name}`, mainClass });
  }
  return runnable.sort((a, b) => (a.path < b.path ? -1 : 1));
}
