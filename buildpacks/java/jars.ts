// The app's runnable jar: the one jar Maven left in target/ whose manifest names a Main-Class
// (shaded and Spring Boot jars do; plain, sources, javadoc and shade's original-* jars do not).
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readZipEntry, ZipError } from '../zip-archive.js';

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
  try {
    const manifest = await readZipEntry(path, (name) => name.toUpperCase() === 'META-INF/MANIFEST.MF', MAX_MANIFEST_BYTES);
    return manifest?.toString('utf8') ?? null;
  } catch (err) {
    if (err instanceof ZipError) return null; // not a zip we read (damaged, zip64, oversized manifest)
    throw err;
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
