// Fetching buildpacks from a real git smart-HTTP server and a tarball server on 127.0.0.1:
// fetched once, then cached per commit / ETag; every failure a BuildError naming the buildpack.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CA_FILE } from '../config.js';
import { BuildError } from '../errors.js';
import { silentUrl, startBuildpackServer, type BuildpackServer } from '../testing/buildpack-servers.js';
import { GREETER_BUILDPACK, PICKY_BUILDPACK } from '../testing/test-buildpacks.js';
import { commitFromLsRemote, fetchBuildpack, gitArgv, type BuildpackFetchSettings } from './fetch.js';
import { parseBuildpackReference, type BuildpackReference } from './reference.js';

let server: BuildpackServer;
let settings: BuildpackFetchSettings;
let cacheDir: string;

beforeAll(async () => {
  server = await startBuildpackServer();
  cacheDir = await mkdtemp(join(tmpdir(), 'slipway-bp-cache-'));
  settings = { cacheDir, caFile: DEFAULT_CA_FILE, timeoutSeconds: 20, maxBytes: 1024 * 1024 };
});

afterAll(async () => {
  await server?.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

function remote(text: string): Extract<BuildpackReference, { kind: 'git' | 'tarball' }> {
  const reference = parseBuildpackReference(text, new Map(), {});
  if (typeof reference === 'string' || reference.kind === 'builtin') throw new Error(`bad test reference ${text}`);
  return reference;
}

async function failure(text: string): Promise<BuildError> {
  const err = await fetchBuildpack(remote(text), settings).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BuildError);
  return err as BuildError;
}

describe('git buildpacks', () => {
  it('fetches a repository once per commit (depth 1, no .git), then serves it from the cache', async () => {
    const { url, commit } = await server.addGitBuildpack('greeter', GREETER_BUILDPACK);
    const started = Date.now();
    const first = await fetchBuildpack(remote(url), settings);
    const fetchMs = Date.now() - started;
    expect(first).toMatchObject({ version: commit, cached: false });
    expect((await readdir(first.dir)).sort()).toEqual(['bin']);
    expect(await readFile(join(first.dir, 'bin/compile'), 'utf8')).toContain('Writing the page');

    const before = server.requests('/git/greeter.git');
    const again = Date.now();
    const second = await fetchBuildpack(remote(url), settings);
    const cachedMs = Date.now() - again;
    expect(second).toEqual({ dir: first.dir, version: commit, cached: true });
    // only ls-remote's requests: no pack was fetched
    expect(server.requests('/git/greeter.git') - before).toBeLessThanOrEqual(2);
    console.log(`git buildpack: fetch ${fetchMs} ms, cached ${cachedMs} ms`);
  });

  it('fetches a branch or tag given as #ref, and a new commit on it replaces the cached one', async () => {
    const v1 = await server.addGitBuildpack('moving', { ...GREETER_BUILDPACK, 'VERSION': 'one\n' });
    const one = await fetchBuildpack(remote(`${v1.url}#main`), settings);
    expect(await readFile(join(one.dir, 'VERSION'), 'utf8')).toBe('one\n');
    const v2 = await server.addGitBuildpack('moving', { ...GREETER_BUILDPACK, 'VERSION': 'two\n' });
    const two = await fetchBuildpack(remote(`${v2.url}#main`), settings);
    expect(two).toMatchObject({ version: v2.commit, cached: false });
    expect(await readFile(join(two.dir, 'VERSION'), 'utf8')).toBe('two\n');
    const byCommit = await fetchBuildpack(remote(`${v2.url}#${v2.commit}`), settings);
    expect(byCommit.version).toBe(v2.commit);
  });

  it('names the buildpack and the cause when the URL does not answer, has no such repository or ref, or is no buildpack', async () => {
    const silent = await silentUrl('/bp.git');
    expect((await failure(silent)).reason).toMatch(new RegExp(`^Could not fetch the buildpack ${silent}: .*did not answer as a git repository`));
    expect((await failure(`${server.url}/git/absent.git`)).reason).toMatch(/Could not fetch the buildpack .*absent\.git: .*did not answer as a git repository \(.*(not found|404)/i);
    const { url } = await server.addGitBuildpack('picky', PICKY_BUILDPACK);
    expect((await failure(`${url}#no-such-branch`)).reason).toMatch(/it has no branch or tag no-such-branch/);
    const notBuildpack = await server.addGitBuildpack('readme-only', { 'README.md': 'hi\n' });
    expect((await failure(notBuildpack.url)).reason).toMatch(/it is not a buildpack \(it has no bin\/detect\)/);
  });

  it('runs git with only the http(s) transports allowed and no prompts', () => {
    const argv = gitArgv('/ca.pem', ['ls-remote', '--', 'https://h/x.git', 'HEAD']);
    expect(argv.slice(0, 7)).toEqual(['git', '-c', 'protocol.allow=never', '-c', 'protocol.https.allow=always', '-c', 'protocol.http.allow=always']);
    expect(argv).toContain('http.sslCAInfo=/ca.pem');
    expect(argv.slice(-4)).toEqual(['ls-remote', '--', 'https://h/x.git', 'HEAD']);
  });

  it('reads the commit of a ref from ls-remote, preferring a peeled tag', () => {
    const output = 'aaa\tHEAD\nbbb\trefs/heads/main\nccc\trefs/tags/v1\nddd\trefs/tags/v1^{}\n';
    expect(commitFromLsRemote(output, null)).toBe('aaa');
    expect(commitFromLsRemote(output, 'main')).toBe('bbb');
    expect(commitFromLsRemote(output, 'v1')).toBe('ddd');
    expect(commitFromLsRemote(output, 'v2')).toBeNull();
  });
});

describe('tarball buildpacks', () => {
  it('downloads and unpacks a .tgz once, then revalidates it with its ETag (304)', async () => {
    const url = await server.addTarball('greeter', GREETER_BUILDPACK);
    const started = Date.now();
    const first = await fetchBuildpack(remote(url), settings);
    const fetchMs = Date.now() - started;
    expect(first.cached).toBe(false);
    expect(await readdir(join(first.dir, 'bin'))).toEqual(['compile', 'detect']);
    const again = Date.now();
    const second = await fetchBuildpack(remote(url), settings);
    console.log(`tarball buildpack: fetch ${fetchMs} ms, cached (304) ${Date.now() - again} ms`);
    expect(second).toEqual({ ...first, cached: true });
    expect(server.requests('/tarballs/greeter.tgz')).toBe(2);
  });

  it('finds the buildpack inside a single top directory (GitHub archives)', async () => {
    const url = await server.addTarball('wrapped', GREETER_BUILDPACK, 'greeter-main');
    const fetched = await fetchBuildpack(remote(url), settings);
    expect(await readdir(join(fetched.dir, 'bin'))).toEqual(['compile', 'detect']);
  });

  it('names the buildpack and the cause for a 404, a silent host, a file that is no tarball, and one too large', async () => {
    expect((await failure(`${server.url}/tarballs/missing.tgz`)).reason).toBe(
      `Could not fetch the buildpack ${server.url}/tarballs/missing.tgz: ${server.url}/tarballs/missing.tgz answered HTTP 404.`,
    );
    const silent = await silentUrl('/bp.tgz');
    expect((await failure(silent)).reason).toMatch(/did not answer \(ECONNREFUSED\)/);
    const garbage = server.addRaw('garbage.tgz', Buffer.from('this is not gzip'));
    expect((await failure(garbage)).reason).toMatch(/garbage\.tgz is not a usable \.tgz/);
    const notTar = server.addRaw('plain.tgz', gzipSync(Buffer.from('gzip of plain text, not tar'.repeat(40))));
    expect((await failure(notTar)).reason).toMatch(/plain\.tgz is not a usable \.tgz/);
    const huge = server.addRaw('huge.tgz', Buffer.alloc(settings.maxBytes + 1024, 1));
    expect((await failure(huge)).reason).toMatch(/it is larger than 1 MB/);
  });
});
