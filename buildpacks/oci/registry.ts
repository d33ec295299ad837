// A client for the registry HTTP API v2 (CNCF distribution, ECR), usable on its own: blobs
// (HEAD, monolithic upload, cross-repository mount) and manifests (get, put, tag). A registry
// that requires credentials gets HTTP Basic (distribution's htpasswd and ECR both accept it
// sent up front), or, when it answers with a Bearer challenge (Docker's token auth, as the
// platform's own registry does), a token fetched with those credentials from the challenge's
// realm. The credentials are asked for once per operation, and once more after a 401 (the file
// they come from may have been refreshed meanwhile); they and the token are never kept longer.
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { basicAuthorization, type RegistryCredentials, type RegistryCredentialsSource } from '../../common/registry-auth.js';
import { fetchBearerToken, parseBearerChallenge, RegistryTokenError } from '../../common/registry-token.js';
import { RegistryError } from '../errors.js';
import { sha256Digest } from './blob.js';
import { MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './media-types.js';
import { isDigest, isReference, isRepository, isTag } from '../../common/image-reference.js';

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
  /** The registry's credentials (none: anonymous), asked for at each operation. */
  credentials?: RegistryCredentialsSource;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
type Headers = Record<string, string | string[] | undefined>;

/** One operation's view of the credentials: read when it starts, replaced if a 401 brings fresher ones. */
interface Batch {
  credentials: RegistryCredentials | null;
  /** The Bearer token the registry's last challenge in this operation led to (sent instead of Basic). */
  bearer: string | null;
}

interface SendInit {
  headers?: Record<string, string>;
  /** A stream body comes from a function, so that a retry after a 401 can open it again. */
  body?: Buffer | (() => Readable);
}

function checkRepository(repo: string): void {
  if (!isRepository(repo)) throw new RegistryError(`invalid repository name: ${JSON.stringify(repo)}`, 0);
}

function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new RegistryError(`invalid digest: ${JSON.stringify(digest)}`, 0);
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const sameLogin = (a: RegistryCredentials | null, b: RegistryCredentials | null): boolean =>
  a === b || (a !== null && b !== null && a.username === b.username && a.secret === b.secret);

/**
 * Why a registry answered 401, in words an operator can act on. `challenge` is the
 * WWW-Authenticate header (a realm URL and a scope, never a secret).
 */
export function unauthorizedMessage(registry: string, challenge: string | undefined, sentCredentials: boolean): string {
  const scheme = challenge?.trim().split(/\s+/)[0]?.toLowerCase();
  if (scheme === 'bearer') {
    return `registry ${registry} refused the token its token server issued (WWW-Authenticate: ${challenge}): the ${sentCredentials ? 'credentials do' : 'anonymous request does'} not grant this access`;
  }
  return sentCredentials
    ? `registry ${registry} refused the credentials from the registry credentials file (expired, or for another account?)`
    : `registry ${registry} requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)`;
}

/** The next page's path from a Link header (`</v2/_catalog?last=x&n=100>; rel="next"`), or null. */
export function nextPage(link: string | undefined): string | null {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return match ? match[1]! : null;
}

export class RegistryClient {
  readonly registry: string;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly credentials: RegistryCredentialsSource | undefined;

  /** `registry` is `host[:port]`. */
  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.base = new URL(`${options.secure ? 'https' : 'http'}://${registry}`);
    this.dispatcher = options.dispatcher;
    this.credentials = options.credentials;
  }

  /** Starts an operation: its credentials, read now. */
  private async batch(): Promise<Batch> {
    return { credentials: this.credentials ? await this.credentials() : null, bearer: null };
  }

  private async request(batch: Batch, method: Method, url: URL, init: SendInit): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...init.headers };
    // Credentials go to the registry only, never to another origin a Location header names.
    if (url.origin === this.base.origin) {
      if (batch.bearer) headers.authorization = `Bearer ${batch.bearer}`;
      else if (batch.credentials) headers.authorization = basicAuthorization(batch.credentials);
    }
    const body = typeof init.body === 'function' ? init.body() : init.body;
    try {
      return await request(url, { method, headers, body, dispatcher: this.dispatcher });
    } catch (err) {
      throw new RegistryError(`${method} ${url.pathname}: registry ${this.registry} unreachable`, 0, err);
    }
  }

  private async send(
    batch: Batch,
    method: Method,
    pathOrUrl: string,
    expected: number[],
    init: SendInit = {},
  ): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const url = new URL(pathOrUrl, this.base);
    let response = await this.request(batch, method, url, init);
    const challenge = response.statusCode === 401 ? parseBearerChallenge(header(response.headers, 'www-authenticate')) : null;
    if (challenge) {
      // Token auth: a token for the scope this request needs (an operation's next request on
      // the same repository reuses it), with credentials read afresh.
      await response.body.dump();
      if (this.credentials) batch.credentials = await this.credentials();
      try {
        batch.bearer = await fetchBearerToken(challenge, batch.credentials, { dispatcher: this.dispatcher });
      } catch (err) {
        const status = err instanceof RegistryTokenError ? err.httpStatus : 0;
        throw new RegistryError(`${method} ${url.pathname}: ${(err as Error).message}`, status, err);
      }
      response = await this.request(batch, method, url, init);
    } else if (response.statusCode === 401 && this.credentials) {
      // The credentials file may have been refreshed since this operation read it: once more with the new ones.
      const fresh = await this.credentials();
      if (fresh && !sameLogin(fresh, batch.credentials)) {
        await response.body.dump();
        batch.credentials = fresh;
        response = await this.request(batch, method, url, init);
      }
    }
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode === 401 && !expected.includes(401)) {
      const message = unauthorizedMessage(this.registry, header(response.headers, 'www-authenticate'), batch.credentials !== null);
      throw new RegistryError(`${method} ${url.pathname}: ${message}`, 401);
    }
    if (!expected.includes(response.statusCode)) {
      throw new RegistryError(
        `${method} ${url.pathname}: registry answered ${response.statusCode} ${body.toString('utf8').slice(0, 300).trim()}`,
        response.statusCode,
      );
    }
    return { status: response.statusCode, headers: response.headers, body };
  }

  /** The blob's size when `repo` has it, else null. */
  async headBlob(repo: string, digest: string): Promise<{ size: number } | null> {
    checkRepository(repo);
    checkDigest(digest);
    const response = await this.send(await this.batch(), 'HEAD', `/v2/${repo}/blobs/${digest}`, [200, 404]);
    if (response.status === 404) return null;
    return { size: Number(header(response.headers, 'content-length') ?? 0) };
  }

  /** A blob's bytes (an image config, say), checked against `digest`; null when `repo` has no such blob. */
  async getBlob(repo: string, digest: string): Promise<Buffer | null> {
    checkRepository(repo);
    checkDigest(digest);
    // The registry may redirect to its storage: undici follows no redirect, so follow one here (credentials stay behind).
    let response = await this.send(await this.batch(), 'GET', `/v2/${repo}/blobs/${digest}`, [200, 404, 307]);
    if (response.status === 307) response = await this.send({ credentials: null, bearer: null }, 'GET', header(response.headers, 'location') ?? '', [200]);
    if (response.status === 404) return null;
    if (sha256Digest(response.body) !== digest) throw new RegistryError(`GET /v2/${repo}/blobs/${digest}: the bytes have another digest`, response.status);
    return response.body;
  }

  private async startUpload(batch: Batch, repo: string, query = ''): Promise<{ status: number; location: string }> {
    const response = await this.send(batch, 'POST', `/v2/${repo}/blobs/uploads/${query}`, [201, 202]);
    const location = header(response.headers, 'location');
    if (!location) throw new RegistryError(`POST /v2/${repo}/blobs/uploads/: no Location header`, response.status);
    return { status: response.status, location };
  }

  /** Uploads the blob in one PUT (the registry checks it against `digest`). */
  async uploadBlob(repo: string, digest: string, body: BlobBody): Promise<void> {
    checkRepository(repo);
    checkDigest(digest);
    const batch = await this.batch();
    const { location } = await this.startUpload(batch, repo);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const size = Buffer.isBuffer(body) ? body.length : body.size;
    await this.send(batch, 'PUT', url.toString(), [201], {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Buffer.isBuffer(body) ? body : () => body.open(),
    });
  }

  /** Links a blob `fromRepo` has into `repo` without sending it; false when the registry would not. */
  async mountBlob(repo: string, digest: string, fromRepo: string): Promise<boolean> {
    checkRepository(repo);
    checkRepository(fromRepo);
    checkDigest(digest);
    const batch = await this.batch();
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`;
    const { status, location } = await this.startUpload(batch, repo, query);
    if (status === 201) return true;
    // The registry opened an upload session instead: close it rather than leave it to expire.
    await this.send(batch, 'DELETE', location, [204, 404]).catch(() => undefined);
    return false;
  }

  /** Stores a manifest under `reference` (a tag or its digest); returns its digest. */
  async putManifest(repo: string, reference: string, manifest: Buffer | Record<string, unknown>): Promise<string> {
    return this.putManifestIn(await this.batch(), repo, reference, manifest);
  }

  private async putManifestIn(batch: Batch, repo: string, reference: string, manifest: Buffer | Record<string, unknown>): Promise<string> {
    checkRepository(repo);
    if (!isReference(reference)) throw new RegistryError(`invalid manifest reference: ${JSON.stringify(reference)}`, 0);
    const body = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string };
    const mediaType = parsed.mediaType ?? MANIFEST_MEDIA_TYPE;
    const response = await this.send(batch, 'PUT', `/v2/${repo}/manifests/${reference}`, [201], {
      headers: { 'content-type': mediaType },
      body,
    });
    const digest = sha256Digest(body);
    const reported = header(response.headers, 'docker-content-digest');
    if (reported && reported !== digest) {
      throw new RegistryError(`registry stored manifest as ${reported}, expected ${digest}`, response.status);
    }
    return digest;
  }

  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    return this.getManifestIn(await this.batch(), repo, reference);
  }

  private async getManifestIn(batch: Batch, repo: string, reference: string): Promise<FetchedManifest> {
    checkRepository(repo);
    if (!isReference(reference)) throw new RegistryError(`invalid manifest reference: ${JSON.stringify(reference)}`, 0);
    const response = await this.send(batch, 'GET', `/v2/${repo}/manifests/${reference}`, [200], {
      headers: { accept: [MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE].join(', ') },
    });
    const digest = sha256Digest(response.body);
    if (isDigest(reference) && reference !== digest) {
      throw new RegistryError(`manifest ${reference} has digest ${digest}`, response.status);
    }
    return {
      mediaType: header(response.headers, 'content-type') ?? MANIFEST_MEDIA_TYPE,
      digest,
      body: response.body,
    };
  }

  /** Every repository in the registry (the catalog API, page by page). */
  async listRepositories(pageSize = 1000): Promise<string[]> {
    const batch = await this.batch();
    const repositories: string[] = [];
    let next: string | null = `/v2/_catalog?n=${pageSize}`;
    while (next) {
      const response = await this.send(batch, 'GET', next, [200]);
      repositories.push(...((JSON.parse(response.body.toString('utf8')) as { repositories?: string[] | null }).repositories ?? []));
      next = nextPage(header(response.headers, 'link'));
    }
    return repositories;
  }

  /** The repository's tags ([] when it has none left, or is unknown). */
  async listTags(repo: string): Promise<string[]> {
    checkRepository(repo);
    const response = await this.send(await this.batch(), 'GET', `/v2/${repo}/tags/list`, [200, 404]);
    if (response.status === 404) return [];
    return (JSON.parse(response.body.toString('utf8')) as { tags?: string[] | null }).tags ?? [];
  }

  /** The digest a tag points at, or null when the tag is gone. */
  async manifestDigest(repo: string, tag: string): Promise<string | null> {
    checkRepository(repo);
    if (!isTag(tag)) throw new RegistryError(`invalid tag: ${JSON.stringify(tag)}`, 0);
    const response = await this.send(await this.batch(), 'HEAD', `/v2/${repo}/manifests/${tag}`, [200, 404], {
      headers: { accept: [MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE].join(', ') },
    });
    if (response.status === 404) return null;
    const digest = header(response.headers, 'docker-content-digest');
    if (!digest || !isDigest(digest)) throw new RegistryError(`HEAD /v2/${repo}/manifests/${tag}: no Docker-Content-Digest`, response.status);
    return digest;
  }

  /** Deletes a manifest and every tag on it (its layers go at the registry's garbage collection); false when it was gone. */
  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    checkRepository(repo);
    checkDigest(digest);
    const response = await this.send(await this.batch(), 'DELETE', `/v2/${repo}/manifests/${digest}`, [202, 404]);
    return response.status === 202;
  }

  /** Adds `tag` to the manifest `digest` (the same bytes, so the same digest). */
  async tagManifest(repo: string, digest: string, tag: string): Promise<void> {
    checkDigest(digest);
    if (!isTag(tag)) throw new RegistryError(`invalid tag: ${JSON.stringify(tag)}`, 0);
    const batch = await this.batch();
    const manifest = await this.getManifestIn(batch, repo, digest);
    await this.putManifestIn(batch, repo, tag, manifest.body);
  }
}
