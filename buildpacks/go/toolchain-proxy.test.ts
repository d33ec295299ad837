// The toolchain fetch against a stand-in Go module proxy on 127.0.0.1: a zip that matches the
// checksum database's hash is unpacked (programs executable); one that does not, or a proxy
// that cannot give the hash, leaves nothing in the cache.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../downloads.js';
import { cachedToolchain, ensureGoToolchain, listToolchainVersions } from './toolchain.js';

// Written by Python's zipfile: VERSION, bin/go and src/fmt/print.go under the module's directory.
const FAKE_TOOLCHAIN_ZIP = Buffer.from(
  'UEsDBBQAAAAIAG1DhF3uaDvRCwAAAAkAAAA4AAAAZ29sYW5nLm9yZy90b29sY2hhaW5AdjAuMC4xLWdvMS45OS4xLmxpbnV4LWFtZDY0L1ZFUlNJT05LzzfUs7TUM+QCAFBLAwQUAAAACABtQ4RdNDuCThkAAAAXAAAANwAAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMS5saW51eC1hbWQ2NC9iaW4vZ29TVtRPyszTL87gSk3OyFdIS8xOVUjP5wIAUEsDBBQAAAAIAG1DhF2KaE8UDgAAAAwAAABBAAAAZ29sYW5nLm9yZy90b29sY2hhaW5AdjAuMC4xLWdvMS45OS4xLmxpbnV4LWFtZDY0L3NyYy9mbXQvcHJpbnQuZ28rSEzOTkxPVUjLLeECAFBLAQIUAxQAAAAIAG1DhF3uaDvRCwAAAAkAAAA4AAAAAAAAAAAAAACAAQAAAABnb2xhbmcub3JnL3Rvb2xjaGFpbkB2MC4wLjEtZ28xLjk5LjEubGludXgtYW1kNjQvVkVSU0lPTlBLAQIUAxQAAAAIAG1DhF00O4JOGQAAABcAAAA3AAAAAAAAAAAAAACAAWEAAABnb2xhbmcub3JnL3Rvb2xjaGFpbkB2MC4wLjEtZ28xLjk5LjEubGludXgtYW1kNjQvYmluL2dvUEsBAhQDFAAAAAgAbUOEXYpoTxQOAAAADAAAAEEAAAAAAAAAAAAAAIABzwAAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMS5saW51eC1hbWQ2NC9zcmMvZm10L3ByaW50LmdvUEsFBgAAAAADAAMAOgEAADwBAAAAAA==',
  'base64',
);
// Its go.sum hash, computed with Python's hashlib the way Go's dirhash does.
const FAKE_TOOLCHAIN_H1 = 'h1:yVReaEaO8n3eg3gx8g6thUWZAk9s1ZGLgUynmwolc7s=';
const MODULE_VERSION = 'v0.0.1-go1.99.1.linux-amd64';
// Go 1.99.2, written the same way, with a test file and test data beside src/fmt/print.go.
const TOOLCHAIN_WITH_TESTS_ZIP = Buffer.from(
  'UEsDBBQAAAAIAJlKh10tOxb6CwAAAAkAAAA4AAAAZ29sYW5nLm9yZy90b29sY2hhaW5AdjAuMC4xLWdvMS45OS4yLmxpbnV4LWFtZDY0L1ZFUlNJT05LzzfUs7TUM+ICAFBLAwQUAAAACACZSoddlNrctBQAAAASAAAANwAAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMi5saW51eC1hbWQ2NC9iaW4vZ29TVtRPyszTL87gSk3OyFdIz+cCAFBLAwQUAAAACACZSoddimhPFA4AAAAMAAAAQQAAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMi5saW51eC1hbWQ2NC9zcmMvZm10L3ByaW50LmdvK0hMzk5MT1VIyy3hAgBQSwMEFAAAAAgAmUqHXfXGVjcTAAAAEQAAAEYAAABnb2xhbmcub3JnL3Rvb2xjaGFpbkB2MC4wLjEtZ28xLjk5LjIubGludXgtYW1kNjQvc3JjL2ZtdC9wcmludF90ZXN0LmdvK0hMzk5MT1VIyy2JL0ktLuECAFBLAwQUAAAACACZSoddfkzulwkAAAAHAAAATAAAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMi5saW51eC1hbWQ2NC9zcmMvZm10L3Rlc3RkYXRhL2dvbGRlbi50eHRLz89JSc3jAgBQSwECFAMUAAAACACZSoddLTsW+gsAAAAJAAAAOAAAAAAAAAAAAAAAgAEAAAAAZ29sYW5nLm9yZy90b29sY2hhaW5AdjAuMC4xLWdvMS45OS4yLmxpbnV4LWFtZDY0L1ZFUlNJT05QSwECFAMUAAAACACZSoddlNrctBQAAAASAAAANwAAAAAAAAAAAAAAgAFhAAAAZ29sYW5nLm9yZy90b29sY2hhaW5AdjAuMC4xLWdvMS45OS4yLmxpbnV4LWFtZDY0L2Jpbi9nb1BLAQIUAxQAAAAIAJlKh12KaE8UDgAAAAwAAABBAAAAAAAAAAAAAACAAcoAAABnb2xhbmcub3JnL3Rvb2xjaGFpbkB2MC4wLjEtZ28xLjk5LjIubGludXgtYW1kNjQvc3JjL2ZtdC9wcmludC5nb1BLAQIUAxQAAAAIAJlKh131xlY3EwAAABEAAABGAAAAAAAAAAAAAACAATcBAABnb2xhbmcub3JnL3Rvb2xjaGFpbkB2MC4wLjEtZ28xLjk5LjIubGludXgtYW1kNjQvc3JjL2ZtdC9wcmludF90ZXN0LmdvUEsBAhQDFAAAAAgAmUqHXX5M7pcJAAAABwAAAEwAAAAAAAAAAAAAAIABrgEAAGdvbGFuZy5vcmcvdG9vbGNoYWluQHYwLjAuMS1nbzEuOTkuMi5saW51eC1hbWQ2NC9zcmMvZm10L3Rlc3RkYXRhL2dvbGRlbi50eHRQSwUGAAAAAAUABQAoAgAAIQIAAAAA',
  'base64',
);
const TOOLCHAIN_WITH_TESTS_H1 = 'h1:FXS8ZRZQDU1Z0IDPmLHfFOFB/Q0qf2CJ3DARNmNAUHg=';
// The same hash computed without the test file and data: what a check that skipped them would compute.
const TOOLCHAIN_WITHOUT_TESTS_H1 = 'h1:875iyWuPmf0R2leKK3OBR/Aa64RxUNG0A/Ene/n5e5E=';
const WITH_TESTS_VERSION = 'v0.0.1-go1.99.2.linux-amd64';

let server: Server;
let proxy: string;
let cacheDir: string;
const dispatcher = new Agent();
/** what the stand-in's checksum database says, or null for a proxy without one */
let published: string | null = FAKE_TOOLCHAIN_H1;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'slipway-go-toolchain-'));
  server = createServer((req, res) => {
    if (req.url === '/golang.org/toolchain/@v/list') return res.end(`${MODULE_VERSION}\nv0.0.1-go1.99.1.darwin-arm64\n`);
    if (req.url === `/golang.org/toolchain/@v/${MODULE_VERSION}.zip`) return res.end(FAKE_TOOLCHAIN_ZIP);
    if (req.url === `/golang.org/toolchain/@v/${WITH_TESTS_VERSION}.zip`) return res.end(TOOLCHAIN_WITH_TESTS_ZIP);
    if (req.url === `/sumdb/sum.golang.org/lookup/golang.org/toolchain@${WITH_TESTS_VERSION}` && published) {
      return res.end(`12346\ngolang.org/toolchain ${WITH_TESTS_VERSION} ${published}\n\ngo.sum database tree\n`);
    }
    if (req.url === `/sumdb/sum.golang.org/lookup/golang.org/toolchain@${MODULE_VERSION}` && published) {
      return res.end(`12345\ngolang.org/toolchain ${MODULE_VERSION} ${published}\ngolang.org/toolchain ${MODULE_VERSION}/go.mod h1:AAAA\n\ngo.sum database tree\n`);
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
  await rm(cacheDir, { recursive: true, force: true });
});

describe('ensureGoToolchain against a stand-in proxy', () => {
  it('lists the linux/amd64 versions', async () => {
    expect(await listToolchainVersions(proxy, dispatcher)).toEqual(['1.99.1']);
  });

  it('refuses a toolchain the checksum database cannot vouch for, caching nothing', async () => {
    published = null;
    await expect(ensureGoToolchain({ cacheDir, proxy, version: '1.99.1', dispatcher })).rejects.toThrow(/gave no hash .* cannot be verified/);
    published = 'h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    const error = await ensureGoToolchain({ cacheDir, proxy, version: '1.99.1', dispatcher }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toBe(
      `the Go 1.99.1 toolchain from ${proxy} failed its checksum (${FAKE_TOOLCHAIN_H1}, the checksum database says h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=)`,
    );
    expect(await cachedToolchain(cacheDir, '1.99.1')).toBeNull();
  });

  it('unpacks a verified toolchain as a GOROOT with executable programs, then finds it cached', async () => {
    published = FAKE_TOOLCHAIN_H1;
    const toolchain = await ensureGoToolchain({ cacheDir, proxy, version: '1.99.1', dispatcher });
    expect(toolchain).toEqual({ version: '1.99.1', dir: join(cacheDir, 'runtimes', 'go-1.99.1', 'tree'), hash: FAKE_TOOLCHAIN_H1, cached: false });
    expect((await stat(join(toolchain.dir, 'bin', 'go'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(toolchain.dir, 'src', 'fmt', 'print.go'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(toolchain.dir, 'VERSION'), 'utf8')).toBe('go1.99.1\n');
    published = null; // no proxy needed any more
    expect(await ensureGoToolchain({ cacheDir, proxy, version: '1.99.1', dispatcher })).toEqual({ ...toolchain, cached: true });
  });

  it('checks the standard library\'s tests and test data with the rest, and leaves them out of the tree', async () => {
    // a hash that leaves them out is not the module's: they are checked too
    published = TOOLCHAIN_WITHOUT_TESTS_H1;
    await expect(ensureGoToolchain({ cacheDir, proxy, version: '1.99.2', dispatcher })).rejects.toThrow(/failed its checksum/);
    published = TOOLCHAIN_WITH_TESTS_H1;
    const toolchain = await ensureGoToolchain({ cacheDir, proxy, version: '1.99.2', dispatcher });
    expect(await readFile(join(toolchain.dir, 'src', 'fmt', 'print.go'), 'utf8')).toBe('package fmt\n');
    await expect(stat(join(toolchain.dir, 'src', 'fmt', 'print_test.go'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(toolchain.dir, 'src', 'fmt', 'testdata'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives the programs, sources and directories their modes under a umask that narrows new ones', async () => {
    published = FAKE_TOOLCHAIN_H1;
    const narrowCache = await mkdtemp(join(tmpdir(), 'slipway-go-umask-'));
    const previous = process.umask(0o077);
    try {
      const toolchain = await ensureGoToolchain({ cacheDir: narrowCache, proxy, version: '1.99.1', dispatcher });
      expect((await stat(join(toolchain.dir, 'bin', 'go'))).mode & 0o777).toBe(0o755);
      expect((await stat(join(toolchain.dir, 'src', 'fmt', 'print.go'))).mode & 0o777).toBe(0o644);
      expect((await stat(join(toolchain.dir, 'VERSION'))).mode & 0o777).toBe(0o644);
      for (const dir of ['', 'bin', 'src', 'src/fmt']) expect((await stat(join(toolchain.dir, dir))).mode & 0o777).toBe(0o755);
    } finally {
      process.umask(previous);
      await rm(narrowCache, { recursive: true, force: true });
    }
  });
});
