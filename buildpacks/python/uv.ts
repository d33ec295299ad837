// uv, from its PyPI wheel (which ships the static binary): found on the operator's package
// index (PEP 691 JSON), downloaded and checked against the sha256 pinned here, the binary
// taken out of the wheel and kept in the global cache, mounted read-only into builds.
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { downloadVerified, DownloadError } from '../downloads.js';
import { withFileLock } from '../lock.js';
import { readZipEntry, ZipError } from '../zip-archive.js';

export const UV_VERSION = '0.13.9';

/** The wheel per CPU architecture, with the sha256 PyPI published for it. */
export const UV_WHEELS: Readonly<Record<string, { filename: string; sha256: string }>> = {
  x64: {
    filename: `uv-${UV_VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`,
    sha256: 'd7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19',
  },
  arm64: {
    filename: `uv-${UV_VERSION}-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl`,
    sha256: '5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe',
  },
};

const simpleProject = z.object({
  files: z.array(z.object({ filename: z.string(), url: z.string(), hashes: z.record(z.string(), z.string()).optional() })),
});

/** The download URL of `filename` from a PEP 691 project page (relative URLs resolved against the page). */
export function wheelUrl(page: unknown, pageUrl: string, filename: string): string | null {
  const parsed = simpleProject.safeParse(page);
  if (!parsed.success) return null;
  const file = parsed.data.files.find((entry) => entry.filename === filename);
  return file ? new URL(file.url, pageUrl).toString() : null;
}

async function findWheel(indexUrl: string, filename: string, dispatcher: Dispatcher): Promise<string> {
  const pageUrl = `${indexUrl.replace(/\/+$/, '')}/uv/`;
  const response = await request(pageUrl, { dispatcher, headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new DownloadError(`GET ${pageUrl} answered ${response.statusCode}`);
  }
  const url = wheelUrl(await response.body.json(), pageUrl, filename);
  if (!url) throw new DownloadError(`${pageUrl} does not list ${filename} (the index must answer PEP 691 JSON)`);
  return url;
}

export interface UvTool {
  version: string;
  /** the directory holding `uv`, to mount at UV_DIR */
  dir: string;
  cached: boolean;
}

/** uv's binary in `<cacheDir>/tools/uv-<version>-<arch>/bin`, downloaded once per machine. */
export async function ensureUv(options: { cacheDir: string; indexUrl: string; dispatcher: Dispatcher; arch?: string }): Promise<UvTool> {
  const arch = options.arch ?? process.arch;
  const wheel = UV_WHEELS[arch];
  if (!wheel) throw new DownloadError(`no uv wheel is pinned for the ${arch} architecture`);
  const base = join(options.cacheDir, 'tools', `uv-${UV_VERSION}-${arch}`);
  const dir = join(base, 'bin');
  const present = async () => (await stat(join(dir, 'uv')).catch(() => null))?.isFile() ?? false;
  if (await present()) return { version: UV_VERSION, dir, cached: true };
  return withFileLock(`${base}.lock`, async () => {
    if (await present()) return { version: UV_VERSION, dir, cached: true };
    const scratch = join(base, `scratch-${process.pid}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(join(scratch, 'bin'), { recursive: true });
    try {
      const url = await findWheel(options.indexUrl, wheel.filename, options.dispatcher);
      const wheelPath = join(scratch, wheel.filename);
      await downloadVerified(url, { algorithm: 'sha256', digest: wheel.sha256 }, wheelPath, options.dispatcher);
      const binary = `uv-${UV_VERSION}.data/scripts/uv`;
      const uv = await readZipEntry(wheelPath, (name) => name === binary);
      if (!uv) throw new ZipError(`${binary} is not in the archive`);
      await writeFile(join(scratch, 'bin', 'uv'), uv);
      await chmod(join(scratch, 'bin', 'uv'), 0o755);
      await rm(dir, { recursive: true, force: true });
      await rename(join(scratch, 'bin'), dir);
      return { version: UV_VERSION, dir, cached: false };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
}
