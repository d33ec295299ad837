// Certificates for custom domains through the API, on real Redis and NATS, with real
// certificates made by openssl.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedKeys } from '../../common/protocol.js';
import { apiClient, startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { dnsNames, nameCovers } from './validate.js';

const exec = promisify(execFile);

async function selfSigned(dir: string, name: string, san: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`]);
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

describe('certificate names', () => {
  it('matches exact names and one-label wildcards', () => {
    expect(nameCovers('www.example.com', 'www.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(dnsNames('DNS:a.example.com, IP Address:127.0.0.1, DNS:*.B.example.com')).toEqual(['a.example.com', '*.b.example.com']);
  });
});

describe('SNI endpoints', () => {
  let cp: TestControlPlane;
  let redis: Redis;
  let dir: string;
  let admin: ReturnType<typeof apiClient>;
  let www: { cert: string; key: string };

  beforeAll(async () => {
    cp = await startTestControlPlane({}, { builder: { ready: true, prepare: async () => {}, build: async () => Promise.reject(new Error('none')), tagImage: async () => {} } });
    redis = new Redis(cp.redis.url);
    dir = await mkdtemp(join(tmpdir(), 'slipway-certs-'));
    admin = apiClient(cp.url, cp.adminToken);
    await admin('POST', '/apps', { name: 'secure' });
    await admin('POST', '/apps/secure/domains', { hostname: 'www.example.com' });
    www = await selfSigned(dir, 'www.example.com', 'DNS:www.example.com');
  });
  afterAll(async () => {
    redis?.disconnect();
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores a matching certificate for the routers and never shows the key', async () => {
    const created = await admin('POST', '/apps/secure/sni-endpoints', { certificate_chain: www.cert, private_key: www.key });
    expect(created.status).toBe(201);
    expect(created.body.domains).toEqual(['www.example.com']);
    // Heroku's shape, which the stock CLI's certs commands read.
    expect(created.body).toMatchObject({
      name: created.body.id,
      ssl_cert: { cert_domains: ['www.example.com'], issuer: '/CN=www.example.com', subject: '/CN=www.example.com', 'ca_signed?': false, acm: false },
    });
    expect(Date.parse(created.body.ssl_cert.starts_at)).toBeLessThan(Date.parse(created.body.ssl_cert.expires_at));
    expect((await admin('GET', `/apps/secure/sni-endpoints/${created.body.id}`)).body.ssl_cert.cert_domains).toEqual(['www.example.com']);
    expect((await admin('GET', '/apps/secure/sni-endpoints/nope')).status).toBe(404);
    // The domain says which certificate serves it; associating it (Heroku's certs:add) checks that.
    const domain = await admin('GET', '/apps/secure/domains/www.example.com');
    expect(domain.body).toMatchObject({ hostname: 'www.example.com', sni_endpoint: { id: created.body.id, name: created.body.id } });
    expect((await admin('PATCH', '/apps/secure/domains/www.example.com', { sni_endpoint: created.body.name })).status).toBe(200);
    expect((await admin('PATCH', '/apps/secure/domains/www.example.com', { sni_endpoint: 'nope' })).status).toBe(404);
    expect((await admin('GET', '/apps/secure/domains/shop.example.com')).status).toBe(404);
    const stored = JSON.parse((await redis.hget(sharedKeys.certificates, 'www.example.com'))!);
    expect(stored).toEqual({ cert: www.cert, key: www.key });
    const listed = await admin('GET', '/apps/secure/sni-endpoints');
    expect(JSON.stringify(listed.body)).not.toContain('PRIVATE KEY');
    expect(listed.body).toHaveLength(1);
  });

  it('refuses a key that does not match, a certificate for other names, and garbage', async () => {
    const other = await selfSigned(dir, 'other.example.org', 'DNS:other.example.org');
    const mismatch = await admin('POST', '/apps/secure/sni-endpoints', { certificate_chain: www.cert, private_key: other.key });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.message).toMatch(/does not match/);
    expect(mismatch.body.message).not.toContain('PRIVATE');
    const elsewhere = await admin('POST', '/apps/secure/sni-endpoints', { certificate_chain: other.cert, private_key: other.key });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.message).toMatch(/covers none of the app's custom domains \(www\.example\.com\)/);
    const garbage = await admin('POST', '/apps/secure/sni-endpoints', { certificate_chain: 'nope', private_key: 'nope' });
    expect(garbage.status).toBe(422);
  });

  it('drops the certificate when its endpoint or its domain goes', async () => {
    const [endpoint] = (await admin('GET', '/apps/secure/sni-endpoints')).body;
    expect((await admin('DELETE', `/apps/secure/sni-endpoints/${endpoint.id}`)).status).toBe(200);
    expect(await redis.hget(sharedKeys.certificates, 'www.example.com')).toBeNull();

    await admin('POST', '/apps/secure/sni-endpoints', { certificate_chain: www.cert, private_key: www.key });
    expect(await redis.hget(sharedKeys.certificates, 'www.example.com')).not.toBeNull();
    await admin('DELETE', '/apps/secure/domains/www.example.com');
    expect(await redis.hget(sharedKeys.certificates, 'www.example.com')).toBeNull();
  });
});
