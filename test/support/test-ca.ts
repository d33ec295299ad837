// A certificate authority made with openssl for a test, and a server certificate it signed for
// 127.0.0.1 and localhost: for the loopback servers that speak TLS (drain receivers, the OIDC
// provider, the ACME CA's directory).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TestCa {
  /** the CA's certificate (what the drain client trusts) and where it is */
  caCert: string;
  caFile: string;
  /** a certificate for 127.0.0.1 and localhost signed by the CA, and its key */
  cert: string;
  key: string;
  dir: string;
  remove(): Promise<void>;
}

export async function makeTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-ca-'));
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await exec('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=Slipway test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  await exec('openssl', ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await exec('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('ext.cnf')]);
  return {
    caCert: await readFile(p('ca.pem'), 'utf8'),
    caFile: p('ca.pem'),
    cert: await readFile(p('server.pem'), 'utf8'),
    key: await readFile(p('server.key'), 'utf8'),
    dir,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

