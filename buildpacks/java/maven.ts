// Apache Maven itself, from the operator's Maven repository (Maven Central by default):
// `org.apache.maven:apache-maven:<v>:bin:tar.gz`, checked against the repository's .sha512
// (or .sha1 for releases that have none), unpacked once into the global cache and mounted
// read-only into build containers. It is a build tool: no app image carries it.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request, type Dispatcher } from 'undici';
import { downloadVerified, DownloadError } from '../downloads.js';
import { withFileLock } from '../lock.js';
import { extractPackageTarball } from '../package-tarball.js';
import { mavenDistributionUrl } from './plan.js';

export interface MavenInstall {
  version: string;
  /** the tree to mount at MAVEN_DIR */
  dir: string;
  /** false when this call downloaded it */
  cached: boolean;
}

/** Pure: the hex digest in a Maven repository checksum file ("<hex>" or "<hex>  <file name>"). */
export function parseChecksumFile(text: string, hexLength: number): string | null {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return digest.length === hexLength && /^[0-9a-f]+$/.test(digest) ? digest : null;
}

const CHECKSUMS = [
  { extension: 'sha512', algorithm: 'sha512', hexLength: 128 },
  { extension: 'sha1', algorithm: 'sha1', hexLength: 40 },
] as const;

/** The repository's checksum of `url`: its .sha512, else its .sha1. */
async function publishedChecksum(url: string, dispatcher: Dispatcher): Promise<{ algorithm: string; digest: string }> {
  for (const { extension, algorithm, hexLength } of CHECKSUMS) {
    const response = await request(`${url}.${extension}`, { dispatcher }).catch((err: unknown) => {
      throw new DownloadError(`cannot reach ${url}.${extension}`, err);
    });
    const text = await response.body.text();
    if (response.statusCode === 404) continue;
    if (response.statusCode !== 200) throw new DownloadError(`GET ${url}.${extension} answered ${response.statusCode}`);
    const digest = parseChecksumFile(text, hexLength);
    if (!digest) throw new DownloadError(`${url}.${extension} holds no ${algorithm} digest`);
    return { algorithm, digest };
  }
  throw new DownloadError(`${url} is not in the repository (there is no .sha512 or .sha1 beside it)`);
}

async function isComplete(base: string): Promise<boolean> {
  return Boolean(await stat(join(base, 'complete')).catch(() => null));
}

/** Maven `version`, downloaded and verified unless the global cache has it. */
export async function ensureMaven(options: { cacheDir: string; repository: string; version: string; dispatcher: Dispatcher }): Promise<MavenInstall> {
  const key = `maven-${options.version}`;
  const base = join(options.cacheDir, 'runtimes', key);
  const result = (cached: boolean): MavenInstall => ({ version: options.version, dir: join(base, 'tree'), cached });
  if (await isComplete(base)) return result(true);
  return withFileLock(join(options.cacheDir, 'runtimes', `${key}.lock`), async () => {
    if (await isComplete(base)) return result(true);
    const scratch = join(base, `scratch-${process.pid}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    try {
      const url = mavenDistributionUrl(options.repository, options.version);
      const tarball = join(scratch, 'maven.tar.gz');
      await downloadVerified(url, await publishedChecksum(url, options.dispatcher), tarball, options.dispatcher);
      const tree = join(scratch, 'tree');
      await extractPackageTarball(tarball, tree);
      await stat(join(tree, 'bin', 'mvn'));
      await rm(join(base, 'tree'), { recursive: true, force: true });
      await rename(tree, join(base, 'tree'));
      await writeFile(join(base, 'complete'), `${url}\n`);
      return result(false);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}
