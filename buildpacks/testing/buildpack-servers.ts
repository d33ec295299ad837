// Test support (not a test file): buildpacks written for the tests, served on 127.0.0.1 the
// two ways apps name them: git over smart HTTP (the real `git http-backend`) and .tgz files
// (with an ETag, so a cached fetch is a 304). Requests are counted per path.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { cgiEnv, serveGitCgi } from '../../control-plane/git/cgi.js';

/** A file of a buildpack: text, executable when `mode` says so. */
export type BuildpackFiles = Record<string, string | { text: string; mode: number } | { bytes: Buffer; mode?: number }>;

export interface BuildpackServer {
  url: string;
  /** A bare repository at `<url>/git/<name>.git` holding `files` in one commit (or more); returns its URL and commit. */
  addGitBuildpack(name: string, files: BuildpackFiles): Promise<{ url: string; commit: string }>;
  /** A .tgz at `<url>/tarballs/<name>.tgz` of `files` (under `topDir/` when given, as GitHub's are). */
  addTarball(name: string, files: BuildpackFiles, topDir?: string): Promise<string>;
  /** A URL serving raw bytes (not a tarball) for bad-input tests. */
  addRaw(name: string, bytes: Buffer): string;
  /** Requests seen per path prefix (`/git/<name>.git` or `/tarballs/<name>.tgz`). */
  requests(prefix: string): number;
  stop(): Promise<void>;
}

async function writeTree(dir: string, files: BuildpackFiles): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    if (typeof content === 'string') await writeFile(path, content);
    else if ('text' in content) await writeFile(path, content.text);
    else await writeFile(path, content.bytes);
    const mode = typeof content === 'string' ? (name.startsWith('bin/') ? 0o755 : 0o644) : (content.mode ?? 0o644);
    await chmod(path, mode);
  }
}

/** A gzipped tar of `files` made with the host's tar (test data only). */
export async function tarballOf(files: BuildpackFiles, topDir?: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bp-tgz-'));
  try {
    await writeTree(topDir ? join(dir, topDir) : dir, files);
    return execFileSync('tar', ['-czf', '-', '-C', dir, '--owner=0', '--group=0', '.'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startBuildpackServer(): Promise<BuildpackServer> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-bp-server-'));
  const gitRoot = join(root, 'git');
  await mkdir(gitRoot, { recursive: true });
  const raw = new Map<string, Buffer>();
  const counts = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    for (const key of counts.keys()) if (url.pathname.startsWith(key)) counts.set(key, counts.get(key)! + 1);
    if (url.pathname.startsWith('/git/')) {
      const env = cgiEnv(
        { method: req.method ?? 'GET', pathInfo: url.pathname.slice('/git'.length), query: url.search.slice(1), headers: req.headers, remoteUser: '', remoteAddr: '127.0.0.1' },
        gitRoot,
        { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'uploadpack.allowAnySHA1InWant', GIT_CONFIG_VALUE_0: 'true' },
      );
      void serveGitCgi(req, res, env);
      return;
    }
    const body = raw.get(url.pathname);
    if (!body) {
      res.statusCode = 404;
      res.end('not found\n');
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('ETag', etag);
    res.setHeader('Content-Type', 'application/gzip');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    async addGitBuildpack(name, files) {
      const work = await mkdtemp(join(tmpdir(), 'slipway-bp-work-'));
      const bare = join(gitRoot, `${name}.git`);
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-C', cwd, '-c', 'user.name=Slipway Tests', '-c', 'user.email=tests@slipway.invalid', ...args]).toString().trim();
      try {
        await writeTree(work, files);
        git(work, 'init', '-q', '-b', 'main');
        git(work, 'add', '--all');
        git(work, 'commit', '-q', '-m', 'buildpack');
        await rm(bare, { recursive: true, force: true });
        execFileSync('git', ['clone', '-q', '--bare', work, bare]);
        counts.set(`/git/${name}.git`, counts.get(`/git/${name}.git`) ?? 0);
        return { url: `${base}/git/${name}.git`, commit: git(work, 'rev-parse', 'HEAD') };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    async addTarball(name, files, topDir) {
      const path = `/tarballs/${name}.tgz`;
      raw.set(path, await tarballOf(files, topDir));
      counts.set(path, counts.get(path) ?? 0);
      return `${base}${path}`;
    },
    addRaw(name, bytes) {
      const path = `/tarballs/${name}`;
      raw.set(path, bytes);
      counts.set(path, counts.get(path) ?? 0);
      return `${base}${path}`;
    },
    requests: (prefix) => counts.get(prefix) ?? 0,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A URL on loopback where nothing listens (a port that was just free). */
export async function silentUrl(path = '/nothing.git'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
