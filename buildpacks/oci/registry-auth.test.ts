// The registry client against registries that require credentials: a real CNCF distribution
// with htpasswd auth (HTTP Basic, as ECR also accepts), and, for what no real registry here
// does (a Bearer challenge, an upload Location on another origin), small servers on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../common/errors.js';
import { RegistryCredentials } from '../../common/registry-auth.js';
import { startTestAuthRegistry, type AuthRegistry } from '../../test/support/auth-registry.js';
import { RegistryError } from '../errors.js';
import { sha256Digest } from './blob.js';
import { imageConfig, imageManifest } from './image.js';
import { ensureBlob } from './push.js';
import { RegistryClient, unauthorizedMessage } from './registry.js';

let registry: AuthRegistry;
let good: RegistryCredentials;

beforeAll(async () => {
  registry = await startTestAuthRegistry();
  good = new RegistryCredentials(registry.url, registry.username, registry.password);
});
afterAll(async () => registry?.stop());

function randomBlob(): { bytes: Buffer; digest: string; size: number } {
  const bytes = randomBytes(4096);
  return { bytes, digest: sha256Digest(bytes), size: bytes.length };
}

/** The streamed upload path (which a retry after a 401 must open again). */
const streamOf = (bytes: Buffer) => Readable.from([bytes]);

/** A credentials source that hands out `answers` in turn (the last one from then on) and counts calls. */
function sequence(...answers: Array<RegistryCredentials | null>) {
  let calls = 0;
  const source = async () => answers[Math.min(calls++, answers.length - 1)] ?? null;
  return { source, calls: () => calls };
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

describe('RegistryClient with credentials', () => {
  it('pushes blobs and a manifest, mounts, gets and tags with HTTP Basic credentials', async () => {
    const client = new RegistryClient(registry.url, { credentials: async () => good });
    const layer = randomBlob();
    expect(await ensureBlob(client, 'auth/shared', layer)).toBe('uploaded');
    expect(await ensureBlob(client, 'auth/shared', layer)).toBe('present');
    expect(await ensureBlob(client, 'auth/image', layer, ['auth/shared'])).toBe('mounted');
    const layers = [{ digest: layer.digest, size: layer.size, diffId: layer.digest, createdBy: 'test' }];
    const config = imageConfig({ created: '2026-01-01T00:00:00Z', user: '1000:1000', workingDir: '/app', env: [], labels: {}, layers });
    await client.uploadBlob('auth/image', config.digest, { size: config.size, open: () => streamOf(config.bytes) });
    const manifest = imageManifest(config, layers);
    const digest = await client.putManifest('auth/image', 'build-1', manifest.bytes);
    await client.tagManifest('auth/image', digest, 'v1');
    expect((await client.getManifest('auth/image', 'v1')).digest).toBe(manifest.digest);
  });

  it('without credentials, says the registry requires them and none are configured', async () => {
    for (const client of [new RegistryClient(registry.url), new RegistryClient(registry.url, { credentials: async () => null })]) {
      const err = await rejection(client.headBlob('auth/image', randomBlob().digest));
      expect(err.httpStatus).toBe(401);
      expect(err.message).toMatch(new RegExp(`^HEAD /v2/auth/image/blobs/sha256:[0-9a-f]{64}: registry ${registry.url} requires credentials and none are configured \\(set SLIPWAY_REGISTRY_AUTH_FILE\\)$`));
    }
  });

  it('with wrong credentials, says they were refused, without the secret', async () => {
    const wrong = new RegistryCredentials(registry.url, registry.username, 'not-the-password-4711');
    const client = new RegistryClient(registry.url, { credentials: async () => wrong });
    const err = await rejection(client.uploadBlob('auth/image', randomBlob().digest, randomBlob().bytes));
    expect(err.httpStatus).toBe(401);
    expect(err.message).toBe(`POST /v2/auth/image/blobs/uploads/: registry ${registry.url} refused the credentials from the registry credentials file (expired, or for another account?)`);
    expect(describeError(err)).not.toContain('not-the-password-4711');
  });

  it('asks for the credentials once per operation, and once more after a 401 (the file may have been refreshed)', async () => {
    const stale = new RegistryCredentials(registry.url, registry.username, 'rotated-away');
    const rotating = sequence(stale, good);
    const client = new RegistryClient(registry.url, { credentials: rotating.source });
    const blob = randomBlob();
    // POST refused with the stale secret, retried with the fresh one; the PUT of the same operation uses the fresh one.
    await client.uploadBlob('auth/rotated', blob.digest, { size: blob.size, open: () => streamOf(blob.bytes) });
    expect(rotating.calls()).toBe(2);
    expect(await client.headBlob('auth/rotated', blob.digest)).toEqual({ size: blob.size });
    expect(rotating.calls()).toBe(3);
  });

  it('does not retry when the credentials read after a 401 are the same', async () => {
    const wrong = new RegistryCredentials(registry.url, registry.username, 'still-wrong');
    const same = sequence(wrong);
    const err = await rejection(new RegistryClient(registry.url, { credentials: same.source }).headBlob('auth/x', randomBlob().digest));
    expect(err.httpStatus).toBe(401);
    expect(same.calls()).toBe(2);
  });
});

describe('RegistryClient against stand-in servers', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) server.close();
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('never sends the credentials to another origin that an upload Location names', async () => {
    const seenElsewhere: Array<string | undefined> = [];
    const elsewhere = await serve((req, res) => {
      seenElsewhere.push(req.headers.authorization);
      req.resume();
      req.on('end', () => res.writeHead(201).end());
    });
    const seenAtRegistry: Array<string | undefined> = [];
    const origin = await serve((req, res) => {
      seenAtRegistry.push(req.headers.authorization);
      res.writeHead(202, { location: `http://${elsewhere}/upload/1` }).end();
    });
    const client = new RegistryClient(origin, { credentials: async () => new RegistryCredentials(origin, 'u', 'secret-for-origin-only') });
    const blob = randomBlob();
    await client.uploadBlob('some/repo', blob.digest, blob.bytes);
    expect(seenAtRegistry).toEqual([`Basic ${Buffer.from('u:secret-for-origin-only').toString('base64')}`]);
    expect(seenElsewhere).toEqual([undefined]);
  });

  it('answers a Bearer challenge with a token from its realm, fetched with the credentials, and reuses it within the operation', async () => {
    const tokenRequests: Array<{ authorization: string | undefined; scope: string[]; service: string | null }> = [];
    const realm = await serve((req, res) => {
      const url = new URL(req.url!, 'http://x');
      tokenRequests.push({ authorization: req.headers.authorization, scope: url.searchParams.getAll('scope'), service: url.searchParams.get('service') });
      const ok = req.headers.authorization === `Basic ${Buffer.from('u:pw').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { token: 'tok-1' } : { errors: [{ code: 'UNAUTHORIZED' }] }));
    });
    const seen: Array<string | undefined> = [];
    const origin = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer tok-1') {
        const challenge = `Bearer realm="http://${realm}/registry/token",service="reg",scope="repository:some/repo:pull,push repository:other/repo:pull"`;
        return res.writeHead(401, { 'www-authenticate': challenge }).end();
      }
      req.resume();
      req.on('end', () => res.writeHead(req.method === 'POST' ? 202 : 201, { location: '/v2/some/repo/blobs/uploads/1' }).end());
    });
    const blob = randomBlob();
    await new RegistryClient(origin, { credentials: async () => new RegistryCredentials(origin, 'u', 'pw') }).uploadBlob('some/repo', blob.digest, blob.bytes);
    expect(tokenRequests).toEqual([{ authorization: `Basic ${Buffer.from('u:pw').toString('base64')}`, scope: ['repository:some/repo:pull,push', 'repository:other/repo:pull'], service: 'reg' }]);
    // Basic first (any registry), then the token for the POST, and the PUT with the token straight away.
    expect(seen).toEqual([`Basic ${Buffer.from('u:pw').toString('base64')}`, 'Bearer tok-1', 'Bearer tok-1']);

    const refused = await rejection(new RegistryClient(origin, { credentials: async () => new RegistryCredentials(origin, 'u', 'wrong') }).getManifest('some/repo', 'v1'));
    expect(refused.httpStatus).toBe(401);
    expect(refused.message).toBe(`GET /v2/some/repo/manifests/v1: token server http://${realm}/registry/token refused the registry credentials (401)`);
    expect(refused.message).not.toContain('wrong');
  });

  it('says so when the token it got does not grant the access', async () => {
    const realm = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'no-access' })));
    const challenge = `Bearer realm="http://${realm}/token",service="reg",scope="repository:some/repo:pull"`;
    const origin = await serve((_req, res) => res.writeHead(401, { 'www-authenticate': challenge }).end());
    const err = await rejection(new RegistryClient(origin, { credentials: async () => null }).getManifest('some/repo', 'v1'));
    expect(err.httpStatus).toBe(401);
    expect(err.message).toBe(
      `GET /v2/some/repo/manifests/v1: registry ${origin} refused the token its token server issued (WWW-Authenticate: ${challenge}): the anonymous request does not grant this access`,
    );
  });
});

describe('unauthorizedMessage', () => {
  it('tells missing, refused and unsupported credentials apart', () => {
    expect(unauthorizedMessage('r:1', 'Basic realm="x"', false)).toBe('registry r:1 requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)');
    expect(unauthorizedMessage('r:1', undefined, false)).toBe('registry r:1 requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)');
    expect(unauthorizedMessage('r:1', 'Basic realm="x"', true)).toMatch(/refused the credentials/);
    expect(unauthorizedMessage('r:1', 'bearer realm="https://a/token"', true)).toMatch(/refused the token its token server issued .*: the credentials do not grant this access/);
  });
});
