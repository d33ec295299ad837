// Automated Certificate Management on the real platform (`npm start`'s launcher) against Let's
// Encrypt's test CA, Pebble, on loopback: the CA validates HTTP-01 through the platform's router
// (its mock DNS sends every name to 127.0.0.1), the router serves the issued certificates for two
// custom domains, switches to the renewal live when two thirds of a short lifetime passed, a
// domain whose DNS fails says so and backs off, a removed domain loses its certificate, and
// turning ACM off removes what it issued.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newHome, platformEnv, slipwayCli, startPlatform, waitFor, type RunningPlatform } from './harness.js';
import { startPebble, type RunningPebble } from '../support/pebble.js';

const exec = promisify(execFile);
/** Short, so that a renewal (at two thirds) comes within the test. */
const VALIDITY_SECONDS = 45;
const DOMAINS = ['shop.example.test', 'www.shop.example.test'];
const BROKEN = 'broken.example.test';

interface Served {
  cert: PeerCertificate;
  /** whether the chain verified against the CA given */
  authorized: boolean;
  error: string | null;
}

/** The certificate the router serves for `servername` on 127.0.0.1, checked against `ca`. */
function served(port: number, servername: string, ca: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca, rejectUnauthorized: false }, () => {
      resolve({ cert: socket.getPeerCertificate(), authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null });
      socket.end();
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });
}

describe('automatic certificates from an ACME CA', () => {
  let env: Record<string, string>;
  let platform: RunningPlatform;
  let pebble: RunningPebble;
  let call: ReturnType<typeof api>;
  let root: string;
  let httpsPort: number;
  const cleanup: string[] = [];
  const measured: string[] = [];
  const domains = async () => (await call('GET', '/apps/shop/domains')).body as { hostname: string; acm_status: string | null; acm_status_reason: string | null; sni_endpoint: unknown }[];
  const statusOf = async (hostname: string) => (await domains()).find((d) => d.hostname === hostname);

  beforeAll(async () => {
    const home = await newHome();
    cleanup.push(home);
    env = await platformEnv(home);
    httpsPort = Number(env.SLIPWAY_ROUTER_HTTPS_PORT);
    pebble = await startPebble({ httpPort: Number(env.SLIPWAY_ROUTER_HTTP_PORT), validitySeconds: VALIDITY_SECONDS });
    platform = await startPlatform({
      ...env,
      SLIPWAY_ACME_DIRECTORY_URL: pebble.directoryUrl,
      SLIPWAY_ACME_CA_FILE: pebble.caFile,
      SLIPWAY_ACME_EMAIL: 'ops@example.test',
      SLIPWAY_ACME_INTERVAL_SECONDS: '1',
      SLIPWAY_ACME_RETRY_SECONDS: '2',
    });
    call = api(platform.endpoints);
    root = await pebble.issuingRoot();
    expect((await call('POST', '/apps', { name: 'shop' })).status).toBe(201);
    for (const hostname of [...DOMAINS, BROKEN]) expect((await call('POST', '/apps/shop/domains', { hostname })).status).toBe(201);
    await pebble.failDns(BROKEN);
  }, 20 * 60_000);

  afterAll(async () => {
    console.log(measured.join('\n'));
    await platform?.stop().catch(() => {});
    await pebble?.stop();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('issues certificates for the custom domains over HTTP-01 through the router, and the router serves them', async () => {
    const before = await served(httpsPort, DOMAINS[0]!, root);
    expect(before.authorized).toBe(false); // the router's default certificate, not Pebble's
    expect((await call('GET', '/apps/shop')).body.acm).toBe(false);
    const started = Date.now();
    const enabled = await call('POST', '/apps/shop/acm', {});
    expect(enabled).toMatchObject({ status: 200, body: { name: 'shop', acm: true } });
    for (const hostname of DOMAINS) {
      await waitFor(`${hostname}: cert issued`, async () => (await statusOf(hostname))?.acm_status === 'cert issued', 60_000);
      // the routers load it from NATS a moment after the status is written (a CI run caught the gap)
      const tls = await waitFor(`${hostname}: the router serving Pebble's certificate`, async () => {
        const now = await served(httpsPort, hostname, root);
        return now.authorized ? now : null;
      }, 10_000);
      expect(tls.error).toBeNull();
      expect(tls.authorized).toBe(true);
      expect(tls.cert.subjectaltname).toBe(`DNS:${hostname}`);
      expect(tls.cert.issuer.CN).toMatch(/Pebble Intermediate/);
    }
    measured.push(`two domains issued in ${Date.now() - started} ms`);
    const endpoints = (await call('GET', '/apps/shop/sni-endpoints')).body as { domains: string[]; ssl_cert: { acm: boolean } }[];
    expect(endpoints.map((e) => [e.domains, e.ssl_cert.acm])).toEqual(DOMAINS.map((d) => [[d], true]));
  }, 120_000);

  it('says why a domain fails (its DNS), in the API and in certs:auto (its retries back off: policy.test.ts)', async () => {
    const broken = await waitFor(`${BROKEN} failing`, async () => {
      const state = await statusOf(BROKEN);
      return state?.acm_status === 'failing' && state.acm_status_reason ? state : null;
    }, 60_000);
    // the CA's own words: it could not resolve the name
    expect(broken.acm_status_reason).toMatch(/could not resolve|DNS|SERVFAIL/);
    const cli = slipwayCli(platform);
    const { stdout } = await exec(cli.argv[0]!, [...cli.argv.slice(1), 'certs:auto', '-a', 'shop'], { env: cli.env });
    expect(stdout).toContain('Automated Certificate Management is enabled on shop');
    expect(stdout).toMatch(new RegExp(`${DOMAINS[0]!.replace(/\./g, '\\.')}\\s+Cert issued`));
    expect(stdout).toMatch(new RegExp(`${BROKEN.replace(/\./g, '\\.')}\\s+Failing\\s+\\S`));
    expect(stdout).toContain('Some domains are failing validation');
  }, 120_000);

  it('renews a certificate at two thirds of its lifetime, and the router switches to the new one live', async () => {
    const first = await served(httpsPort, DOMAINS[0]!, root);
    const started = Date.now();
    const renewed = await waitFor('a renewed certificate', async () => {
      const now = await served(httpsPort, DOMAINS[0]!, root);
      return now.cert.serialNumber !== first.cert.serialNumber ? now : null;
    }, (VALIDITY_SECONDS + 30) * 1000);
    expect(renewed.authorized).toBe(true);
    expect(Date.parse(renewed.cert.valid_to)).toBeGreaterThan(Date.parse(first.cert.valid_to));
    expect((await statusOf(DOMAINS[0]!))?.acm_status).toBe('cert issued');
    measured.push(`renewed ${Math.round((Date.now() - started) / 1000)} s after the check began (lifetime ${VALIDITY_SECONDS} s)`);
  }, 180_000);

  it('a removed domain loses its certificate; turning ACM off removes the rest', async () => {
    expect((await call('DELETE', `/apps/shop/domains/${DOMAINS[1]}`)).status).toBe(200);
    await waitFor('the removed domain back on the default certificate', async () => !(await served(httpsPort, DOMAINS[1]!, root)).authorized, 30_000);
    expect(((await call('GET', '/apps/shop/sni-endpoints')).body as { domains: string[] }[]).flatMap((e) => e.domains)).not.toContain(DOMAINS[1]);

    expect((await call('DELETE', '/apps/shop/acm')).body.acm).toBe(false);
    expect((await call('GET', '/apps/shop/sni-endpoints')).body).toEqual([]);
    await waitFor('the domain back on the default certificate', async () => !(await served(httpsPort, DOMAINS[0]!, root)).authorized, 30_000);
    expect((await statusOf(DOMAINS[0]!))?.acm_status).toBeNull();
    expect((await call('PATCH', '/apps/shop/acm', { acm_refresh: true })).status).toBe(422);
  }, 120_000);
});
