// The go.sum hash of a module zip (pure): Go's dirhash "h1", the base64 sha256 of a summary
// that lists each file's sha256 (hex) and name, in name order. The checksum database
// publishes it for every module version, the toolchain modules included.
import { createHash } from 'node:crypto';
import { compareNames } from '../oci/tar-layer.js';

export interface HashedFile {
  /** the name as stored in the zip, `module@version/` prefix included */
  name: string;
  /** sha256 of the file's bytes, hex */
  sha256: string;
}

export function hash1(files: readonly HashedFile[]): string {
  const sorted = [...files].sort((a, b) => compareNames(a.name, b.name));
  const summary = createHash('sha256');
  for (const file of sorted) {
    if (file.name.includes('\n')) throw new Error(`file name with a newline: ${JSON.stringify(file.name)}`);
    summary.update(`${file.sha256}  ${file.name}\n`);
  }
  return `h1:${summary.digest('base64')}`;
}

/** The `h1:` hash of `module@version` (not its go.mod) in a checksum database lookup answer. */
export function zipHashFromLookup(answer: string, module: string, version: string): string | null {
  for (const line of answer.split('\n')) {
    const [name, ver, hash, ...rest] = line.trim().split(/\s+/);
    if (rest.length === 0 && name === module && ver === version && hash?.startsWith('h1:')) return hash;
  }
  return null;
}
