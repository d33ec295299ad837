// ensureMaven against a Maven repository on loopback: the distribution checked against the
// repository's .sha512 (or .sha1), unpacked, cached; a wrong digest or a missing version refused.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../downloads.js';
import { ensureMaven, parseChecksumFile } from './maven.js';

async function distribution(version: string): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: `apache-maven-${version}/bin/mvn`, mode: 0o755 }, '#!/bin/sh\necho maven\n');
  tar.entry({ name: `apache-maven-${version}/conf/settings.xml`, mode: 0o644 }, '<settings/>\n');
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe('ensureMaven', () => {
  let server: Server;
  let repository: string;
  let cacheDir: string;
  const dispatcher = new Agent();
  const files = new Map<string, Buffer | string>();
  const requests: string[] = [];
  const base = (v: string) => `/maven2/org/apache/maven/apache-maven/${v}/apache-maven-${v}-bin.tar.gz`;

  beforeAll(async () => {
    const good = await distribution('3.9.16');
    files.set(base('3.9.16'), good);
    files.set(`${base('3.9.16')}.sha512`, `${createHash('sha512').update(good).digest('hex')}  apache-maven-3.9.16-bin.tar.gz\n`);
    const old = await distribution('3.0.5');
    files.set(base('3.0.5'), old);
    files.set(`${base('3.0.5')}.sha1`, createHash('sha1').update(old).digest('hex'));
    const tampered = await distribution('3.9.15');
    files.set(base('3.9.15'), tampered);
    files.set(`${base('3.9.15')}.sha512`, createHash('sha512').update('something else').digest('hex'));
    server = createServer((req, res) => {
      requests.push(req.url!);
      const body = files.get(req.url!);
      res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repository = `http://127.0.0.1:${(server.address() as { port: number }).port}/maven2/`;
    cacheDir = await mkdtemp(join(tmpdir(), 'slipway-maven-'));
  });

  afterAll(async () => {
    server?.close();
    await dispatcher.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads, verifies against the .sha512 and unpacks once, then uses the cache', async () => {
    const first = await ensureMaven({ cacheDir, repository, version: '3.9.16', dispatcher });
    expect(first).toEqual({ version: '3.9.16', dir: join(cacheDir, 'runtimes', 'maven-3.9.16', 'tree'), cached: false });
    expect(await readFile(join(first.dir, 'bin', 'mvn'), 'utf8')).toContain('echo maven');
    expect((await stat(join(first.dir, 'bin', 'mvn'))).mode & 0o111).not.toBe(0);
    const count = requests.length;
    expect(await ensureMaven({ cacheDir, repository, version: '3.9.16', dispatcher })).toMatchObject({ cached: true });
    expect(requests.length).toBe(count);
  });

  it('falls back to the .sha1 for releases without a .sha512', async () => {
    expect(await ensureMaven({ cacheDir, repository, version: '3.0.5', dispatcher })).toMatchObject({ cached: false });
  });

  it('refuses a distribution whose digest does not match, keeping nothing', async () => {
    await expect(ensureMaven({ cacheDir, repository, version: '3.9.15', dispatcher })).rejects.toThrow(/failed its integrity check/);
    expect(await stat(join(cacheDir, 'runtimes', 'maven-3.9.15', 'tree')).catch(() => null)).toBeNull();
  });

  it('says a version the repository does not have is not there', async () => {
    const err = await ensureMaven({ cacheDir, repository, version: '3.9.99', dispatcher }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/apache-maven-3\.9\.99-bin\.tar\.gz is not in the repository/);
  });
});

describe('parseChecksumFile', () => {
  it('takes the digest with or without the file name, and refuses anything else', () => {
    const hex = 'a'.repeat(40);
    expect(parseChecksumFile(`${hex}\n`, 40)).toBe(hex);
    expect(parseChecksumFile(`${hex.toUpperCase()}  file.tar.gz`, 40)).toBe(hex);
    expect(parseChecksumFile('<html>not found</html>', 40)).toBeNull();
    expect(parseChecksumFile(hex, 128)).toBeNull();
  });
});
