// Integration: HTTPS with the default certificate, SNI certificates for custom domains set
// and removed at runtime, and HTTP/2 to clients.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, sharedKeys, subjects } from '../common/protocol.js';
import { selfSignedCertificateArgv } from './default-certificate.js';
import { backendOf, httpRequest, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
let app: TestBackend;
let workDir: string;

beforeAll(async () => {
  sources = await startRouteSources();
  workDir = await mkdtemp(join(tmpdir(), 'slipway-router-tls-'));
  app = await startBackend('app');
  router = await startTestRouter(sources.urls, { SLIPWAY_APPS_DOMAIN: 'apps.test' });
  await sources.publish({ appName: 'shop', hostnames: ['shop.apps.test', 'www.shop.example'], backends: [backendOf('shop.web.1', app)] });
  await router.settled();
});

afterAll(async () => {
  await router?.stop();
  app?.server.closeAllConnections();
  await app?.close();
  await Promise.all([sources?.stop(), workDir ? rm(workDir, { recursive: true, force: true }) : undefined]);
});

function peerCertificate(servername: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: router.httpsPort, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function makeCertificate(domain: string): Promise<{ cert: string; key: string }> {
  const keyPath = join(workDir, `${domain}.key`);
  const certPath = join(workDir, `${domain}.crt`);
  const [command, ...args] = selfSignedCertificateArgv(domain, keyPath, certPath, 30) as [string, ...string[]];
  expect(spawnSync(command, args).status).toBe(0);
  return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

async function untilSubject(servername: string, cn: string): Promise<PeerCertificate> {
  const deadline = Date.now() + 5_000;
  let cert = await peerCertificate(servername);
  while (cert.subject.CN !== cn && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    cert = await peerCertificate(servername);
  }
  return cert;
}

describe('HTTPS', () => {
  it('serves the generated default certificate for the apps domain', async () => {
    const cert = await peerCertificate('shop.apps.test');
    expect(cert.subject.CN).toBe('apps.test');
    expect(cert.subjectaltname).toContain('DNS:*.apps.test');
  });

  it('serves a custom domain certificate set at runtime by SNI, and drops it when removed', async () => {
    const custom = await makeCertificate('www.shop.example');
    await sources.redis.hset(sharedKeys.certificates, 'www.shop.example', JSON.stringify(custom));
    sources.nc.publish(subjects.certificateChanged, encode({ hostname: 'www.shop.example' }));
    const served = await untilSubject('www.shop.example', 'www.shop.example');
    expect(served.subject.CN).toBe('www.shop.example');
    // Other hostnames keep the default certificate.
    expect((await peerCertificate('shop.apps.test')).subject.CN).toBe('apps.test');

    // A request over it, verified against the custom certificate, reaches the app as https.
    const body = await new Promise<string>((resolve, reject) => {
      const client = http2Connect(`https://127.0.0.1:${router.httpsPort}`, { servername: 'www.shop.example', ca: custom.cert, checkServerIdentity: () => undefined });
      client.on('error', reject);
      const req = client.request({ ':path': '/secure', ':authority': 'www.shop.example' });
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => {
        client.close();
        resolve(data);
      });
      req.on('error', reject);
    });
    expect(JSON.parse(body).headers['x-forwarded-proto']).toBe('https');

    await sources.redis.hdel(sharedKeys.certificates, 'www.shop.example');
    sources.nc.publish(subjects.certificateChanged, encode({ hostname: 'www.shop.example' }));
    expect((await untilSubject('www.shop.example', 'apps.test')).subject.CN).toBe('apps.test');
  });

  it('speaks HTTP/2 to clients that offer it, and HTTP/1.1 to the others', async () => {
    const { status, proto } = await new Promise<{ status: number; proto: string }>((resolve, reject) => {
      const client = http2Connect(`https://127.0.0.1:${router.httpsPort}`, { servername: 'shop.apps.test', rejectUnauthorized: false });
      client.on('error', reject);
      const req = client.request({ ':path': '/h2', ':authority': 'shop.apps.test' });
      req.on('response', (headers) => {
        resolve({ status: Number(headers[':status']), proto: client.alpnProtocol ?? '' });
        req.close();
        client.close();
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(proto).toBe('h2');
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: router.httpsPort, servername: 'shop.apps.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        resolve(socket.alpnProtocol ?? false);
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(alpn).toBe('http/1.1');
  });

  it('redirects plain HTTP to HTTPS and sends HSTS for an app with those features, live, and stops when they are off', async () => {
    const route = { appName: 'shop', hostnames: ['shop.apps.test', 'www.shop.example'], backends: [backendOf('shop.web.1', app)] };
    const httpsGet = (servername: string, path: string) =>
      new Promise<{ status: number; hsts: string | undefined }>((resolve, reject) => {
        import('node:https').then(({ request }) => {
          const req = request({ host: '127.0.0.1', port: router.httpsPort, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] as string | undefined }));
          });
          req.on('error', reject);
          req.end();
        }, reject);
      });
    await sources.publish({ ...route, httpsRedirect: true, hsts: true });
    await router.settled();
    const redirected = await httpRequest(router.httpPort, 'www.shop.example', '/cart?x=1');
    expect(redirected.status).toBe(308);
    expect(redirected.headers.location).toBe('https://www.shop.example/cart?x=1');
    // the CA's HTTP-01 fetch is not redirected (it goes to the control planes, or the app)
    expect((await httpRequest(router.httpPort, 'www.shop.example', '/.well-known/acme-challenge/abc')).status).not.toBe(308);
    expect(await httpsGet('www.shop.example', '/')).toEqual({ status: 200, hsts: 'max-age=31536000' });

    await sources.publish(route);
    await router.settled();
    expect((await httpRequest(router.httpPort, 'www.shop.example', '/')).status).toBe(200);
    expect(await httpsGet('www.shop.example', '/')).toEqual({ status: 200, hsts: undefined });
  });
});
