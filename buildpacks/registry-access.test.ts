import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineAuthConfig, registryClient, registryClientOptions } from './registry-access.js';

const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
let dir: string;
let authFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-registry-access-'));
  authFile = join(dir, 'auth.json');
  await writeFile(authFile, JSON.stringify({ ServerURL: ecr, Username: 'AWS', Secret: 'ecr-token' }));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('registryClientOptions', () => {
  it('uses HTTPS except for loopback registries or when told plain HTTP', () => {
    expect(registryClientOptions({ registry: ecr }).secure).toBe(true);
    expect(registryClientOptions({ registry: 'registry.internal:5000', registryInsecure: false }).secure).toBe(true);
    expect(registryClientOptions({ registry: 'registry.internal:5000', registryInsecure: true }).secure).toBe(false);
    expect(registryClientOptions({ registry: '127.0.0.1:5000' }).secure).toBe(false);
    expect(registryClient({ registry: ecr }).registry).toBe(ecr);
  });

  it('reads the credentials file when asked, each time; none without a file', async () => {
    const options = registryClientOptions({ registry: ecr, registryAuthFile: authFile });
    expect((await options.credentials!())?.secret).toBe('ecr-token');
    await writeFile(authFile, JSON.stringify({ ServerURL: ecr, Username: 'AWS', Secret: 'refreshed-token' }));
    expect((await options.credentials!())?.secret).toBe('refreshed-token');
    expect(await registryClientOptions({ registry: ecr }).credentials!()).toBeNull();
  });
});

describe('engineAuthConfig', () => {
  it('gives the credentials for images in the platform registry only', async () => {
    await writeFile(authFile, JSON.stringify({ ServerURL: ecr, Username: 'AWS', Secret: 'ecr-token' }));
    const settings = { registry: ecr, registryAuthFile: authFile };
    expect(await engineAuthConfig(settings, `${ecr}/slipway/stack-run:1`)).toEqual({ username: 'AWS', password: 'ecr-token', serveraddress: ecr });
    expect(await engineAuthConfig(settings, 'registry.example/stack-run:1')).toBeUndefined();
    expect(await engineAuthConfig(settings, 'debian:bookworm')).toBeUndefined();
    expect(await engineAuthConfig({ registry: ecr }, `${ecr}/slipway/stack-run:1`)).toBeUndefined();
  });
});
