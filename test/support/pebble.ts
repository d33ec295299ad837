// Let's Encrypt's test CA, Pebble (Debian's `pebble`), on loopback for tests: its directory over
// TLS with a certificate from a test CA, validating HTTP-01 challenges on `httpPort` of whatever
// its mock DNS server (pebble-challtestsrv, same package) answers: 127.0.0.1 for every name,
// unless a name is told to fail. Its certificates last `validitySeconds`, so renewal is real.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { freePort } from '../../common/ports.js';
import { makeTestCa } from './test-ca.js';
import { waitFor } from './wait.js';

export interface RunningPebble {
  directoryUrl: string;
  /** the CA the directory's own TLS certificate is signed by (what the ACME client trusts) */
  caFile: string;
  /** Pebble's root for the certificates it issues (made anew at each start). */
  issuingRoot(): Promise<string>;
  /** From now on the mock DNS answers SERVFAIL for `hostname`: its challenges fail. */
  failDns(hostname: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startPebble(options: { httpPort: number; validitySeconds: number }): Promise<RunningPebble> {
  const ca = await makeTestCa();
  const [listen, management, dns, dnsManagement, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(ca.dir, 'pebble.json');
  await writeFile(join(ca.dir, 'server.crt'), ca.cert);
  await writeFile(join(ca.dir, 'server.key.pem'), ca.key);
  await writeFile(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: join(ca.dir, 'server.crt'),
        privateKey: join(ca.dir, 'server.key.pem'),
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: options.validitySeconds,
      },
    }),
  );
  let output = '';
  const record = (child: ChildProcess) => {
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  };
  const dnsServer = spawn(
    'pebble-challtestsrv',
    ['-dns01', `127.0.0.1:${dns}`, '-management', `127.0.0.1:${dnsManagement}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  record(dnsServer);
  // No random sleeps before validating, no nonces refused on purpose, every order validated anew.
  const pebble = spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dns}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
  });
  record(pebble);
  const trusting = new Agent({ connect: { ca: ca.caCert } });
  const stop = async () => {
    await Promise.all([ended(pebble), ended(dnsServer)]);
    await trusting.close();
    await ca.remove();
  };
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  try {
    const answers = async (url: string, init: Parameters<typeof request>[1] = {}) => {
      const res = await request(url, init);
      await res.body.dump();
      return res.statusCode === 200;
    };
    await waitFor('Pebble’s directory', () => answers(directoryUrl, { dispatcher: trusting }), 30_000);
    await waitFor('Pebble’s DNS server', () => answers(`http://127.0.0.1:${dnsManagement}/clear-a`, { method: 'POST', body: JSON.stringify({ host: 'probe.test.' }) }), 30_000);
  } catch (err) {
    await stop();
    throw new Error(`Pebble did not start: ${String(err)}\n${output}`);
  }
  return {
    directoryUrl,
    caFile: ca.caFile,
    issuingRoot: async () => (await request(`https://127.0.0.1:${management}/roots/0`, { dispatcher: trusting })).body.text(),
    failDns: async (hostname) => {
      const res = await request(`http://127.0.0.1:${dnsManagement}/set-servfail`, { method: 'POST', body: JSON.stringify({ host: `${hostname}.` }) });
      if (res.statusCode !== 200) throw new Error(`pebble-challtestsrv refused set-servfail: ${res.statusCode} ${await res.body.text()}`);
    },
    output: () => output,
    stop,
  };
}
