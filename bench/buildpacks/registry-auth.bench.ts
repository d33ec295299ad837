// What registry credentials cost the builder's client: the same operations against an open
// distribution and against one with htpasswd auth (bcrypt cost 4, checked by the registry on
// every request), the credentials read from a credential-helper file at each operation.
//   npx vitest bench --run bench/buildpacks/registry-auth.bench.ts
// Prints figures; asserts nothing about time. Traffic goes to 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { readRegistryCredentials, registryCredentialsFromFile } from '../../common/registry-auth.js';
import type { RunningService } from '../../supervisor/services.js';
import { startTestAuthRegistry, type AuthRegistry } from '../../test/support/auth-registry.js';
import { startTestRegistry } from '../../test/support/services.js';
import { sha256Digest } from '../../buildpacks/oci/blob.js';
import { RegistryClient } from '../../buildpacks/oci/registry.js';

let open: RunningService;
let auth: AuthRegistry;
let authFile: string;
let openClient: RegistryClient;
let authClient: RegistryClient;
const blob = randomBytes(64 * 1024);
const digest = sha256Digest(blob);

beforeAll(async () => {
  [open, auth] = await Promise.all([startTestRegistry(), startTestAuthRegistry()]);
  authFile = await auth.writeCredentialsFile();
  openClient = new RegistryClient(open.url);
  authClient = new RegistryClient(auth.url, { credentials: registryCredentialsFromFile(authFile, auth.url) });
  await openClient.uploadBlob('bench/present', digest, blob);
  await authClient.uploadBlob('bench/present', digest, blob);
});

afterAll(async () => {
  await Promise.all([open?.stop(), auth?.stop()]);
});

const fixed = (iterations: number) => ({ iterations, time: 0, warmupIterations: 5, warmupTime: 0 });

describe('registry client', () => {
  bench('read and parse the credentials file', async () => {
    await readRegistryCredentials(authFile);
  }, fixed(500));

  bench('HEAD a present blob, open registry', async () => {
    await openClient.headBlob('bench/present', digest);
  }, fixed(200));

  bench('HEAD a present blob, htpasswd registry (file read + Basic)', async () => {
    await authClient.headBlob('bench/present', digest);
  }, fixed(200));

  bench('upload a new 64 KiB blob (POST + PUT), open registry', async () => {
    const bytes = randomBytes(64 * 1024);
    await openClient.uploadBlob('bench/upload', sha256Digest(bytes), bytes);
  }, fixed(100));

  bench('upload a new 64 KiB blob (POST + PUT), htpasswd registry', async () => {
    const bytes = randomBytes(64 * 1024);
    await authClient.uploadBlob('bench/upload', sha256Digest(bytes), bytes);
  }, fixed(100));
});
