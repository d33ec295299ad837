// A client for the registry HTTP API v2 (CNCF distribution), usable on its own: blobs (HEAD,
// monolithic upload, cross-repository mount) and manifests (get, put, tag).
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { RegistryError } from '../errors.js';
import { sha256Digest } from './blob.js';
import { MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';
import { isDigest, isReference, isRepository, isTag } from './reference.js';

/** A blob's bytes: a buffer, or a size and a way to stream it (e.g. from a file). */
export type BlobBody = Buffer | { size: number; open(): Readable };

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
}

export interface RegistryClientOptions {
  /** https instead of plain HTTP. */
  secure?: boolean;
  dispatcher?: Dispatcher;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

function checkRepository(repo: string): void {
  if (!isRepository(repo)) throw new RegistryError(`invalid repository name: ${JSON.stringify(repo)}`, 0);
}

function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new RegistryError(`invalid digest: ${JSON.stringify(digest)}`, 0);
}

export class RegistryClient {
  readonly registry: string;
  private readonly base: string;
  private readonly dispatcher: Dispatcher | undefined;

  /** `registry` is `host:port`. */
  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.base = `${options.secure ? 'https' : 'http'}://${registry}`;
    this.dispatcher = options.dispatcher;
  }

  private async send(
    method: Method,
    pathOrUrl: string,
    expected: number[],
    init: { headers?: Record<string, string>; body?: Buffer | Readable } = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const url = new URL(pathOrUrl, this.base);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method, headers: init.headers, body: init.body, dispatcher: this.dispatcher });
    } catch (err) {
      throw new RegistryError(`${method} ${url.pathname}: registry ${this.registry} unreachable`, 0, err);
    }
    const body = Buffer.from(await response.body.arrayBuffer());
    if (!expected.includes(response.statusCode)) {
      throw new RegistryError(
        `${method} ${url.pathname}: registry answered ${response.statusCode} ${body.toString('utf8').slice(0, 300).trim()}`,
        response.statusCode,
      );
    }
    return { status: response.statusCode, headers: response.headers, body };
  }

  private static header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The blob's size when `repo` has it, else null. */
  async headBlob(repo: string, digest: string): Promise<{ size: number } | null> {
    checkRepository(repo);
    checkDigest(digest);
    const response = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, [200, 404]);
    if (response.status === 404) return null;
    return { size: Number(RegistryClient.header(response.headers, 'content-length') ?? 0) };
  }

  private async startUpload(repo: string, query = ''): Promise<{ status: number; location: string }> {
    const response = await this.send('POST', `/v2/${repo}/blobs/uploads/${query}`, [201, 202]);
    const location = RegistryClient.header(response.headers, 'location');
    if (!location) throw new RegistryError(`POST /v2/${repo}/blobs/uploads/: no Location header`, response.status);
    return { status: response.status, location };
  }

  /** Uploads the blob in one PUT (the registry checks it against `digest`). */
  async uploadBlob(repo: string, digest: string, body: BlobBody): Promise<void> {
    checkRepository(repo);
    checkDigest(digest);
    const { location } = await this.startUpload(repo);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const size = Buffer.isBuffer(body) ? body.length : body.size;
    await this.send('PUT', url.toString(), [201], {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Buffer.isBuffer(body) ? body : body.open(),
    });
  }

  /** Links a blob `fromRepo` has into `repo` without sending it; false when the registry would not. */
  async mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean> {
    checkRepository(repo);
    checkRepository(fromRepo);
    checkDigest(digest);
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`;
    const { status, location } = await this.startUpload(repo, query);
    if (status === 201) return true;
    // The registry opened an upload session instead: close it rather than leave it to expire.
    await this.send('DELETE', location, [204, 404]).catch(() => undefined);
    return false;
  }

  /** Stores a manifest under `reference` (a tag or its digest); returns its digest. */
  async putManifest(repo: string, reference: string, manifest: Buffer | Record<string, unknown>): Promise<string> {
    checkRepository(repo);
    if (!isReference(reference)) throw new RegistryError(`invalid manifest reference: ${JSON.stringify(reference)}`, 0);
    const body = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string };
    const mediaType = parsed.mediaType ?? MANIFEST_MEDIA_TYPE;
    const response = await this.send('PUT', `/v2/${repo}/manifests/${reference}`, [201], {
      headers: { 'content-type': mediaType },
      body,
    });
    const digest = sha256Digest(body);
    const reported = RegistryClient.header(response.headers, 'docker-content-digest');
    if (reported && reported !== digest) {
      throw new RegistryError(`registry stored manifest as ${reported}, expected ${digest}`, response.status);
    }
    return digest;
  }

  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    checkRepository(repo);
    if (!isReference(reference)) throw new RegistryError(`invalid manifest reference: ${JSON.stringify(reference)}`, 0);
    const response = await this.send('GET', `/v2/${repo}/manifests/${reference}`, [200], {
      headers: { accept: [MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE].join(', ') },
    });
    const digest = sha256Digest(response.body);
    if (isDigest(reference) && reference !== digest) {
      throw new RegistryError(`manifest ${reference} has digest ${digest}`, response.status);
    }
    return {
      mediaType: RegistryClient.header(response.headers, 'content-type') ?? MANIFEST_MEDIA_TYPE,
      digest,
      body: response.body,
    };
  }

  /** Adds `tag` to the manifest `digest` (the same bytes, so the same digest). */
  async tagManifest(repo: string, digest: string, tag: string): Promise<void> {
    checkDigest(digest);
    if (!isTag(tag)) throw new RegistryError(`invalid tag: ${JSON.stringify(tag)}`, 0);
    const manifest = await this.getManifest(repo, digest);
    await this.putManifest(repo, tag, manifest.body);
  }
}
