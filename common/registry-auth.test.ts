import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RegistryAuthError,
  RegistryCredentials,
  basicAuthorization,
  credentialsFor,
  dockerAuthConfig,
  imageLivesIn,
  imageRegistry,
  isLoopbackRegistry,
  parseRegistryCredentials,
  readRegistryCredentials,
  registryCredentialsFromFile,
  registryHost,
  registryScheme,
} from './registry-auth.js';

const SECRET = 'eyJwYXlsb2FkIjoiVE9QLVNFQ1JFVCJ9';
const ecrJson = JSON.stringify({ ServerURL: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', Username: 'AWS', Secret: SECRET });

/** Runs `fn`, expecting a RegistryAuthError; returns it. */
function authError(fn: () => unknown): RegistryAuthError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryAuthError);
    return err as RegistryAuthError;
  }
  throw new Error('expected a RegistryAuthError');
}

describe('parseRegistryCredentials', () => {
  it('reads what docker-credential-ecr-login get prints', () => {
    const credentials = parseRegistryCredentials(`${ecrJson}\n`);
    expect(credentials.serverUrl).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(credentials.username).toBe('AWS');
    expect(credentials.secret).toBe(SECRET);
  });

  it('accepts a file without ServerURL (then it is for the configured registry)', () => {
    expect(parseRegistryCredentials('{"Username":"u","Secret":"s"}').serverUrl).toBeNull();
    expect(parseRegistryCredentials('{"ServerURL":"","Username":"u","Secret":"s"}').serverUrl).toBeNull();
  });

  it('names the file and the field of a bad file, and never its content', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /creds\.json is empty/],
      ['  \n', /creds\.json is empty/],
      [`{"Username": "AWS", "Secret": "${SECRET}"`, /creds\.json is not JSON/],
      [`AWS:${SECRET}`, /creds\.json is not JSON/],
      [`["AWS", "${SECRET}"]`, /creds\.json is not a JSON object/],
      [`"${SECRET}"`, /creds\.json is not a JSON object/],
      [`{"ServerURL": "r", "Secret": "${SECRET}"}`, /"Username" is missing/],
      ['{"ServerURL": "r", "Username": "AWS"}', /"Secret" is missing/],
      ['{"ServerURL": "r", "Username": "AWS", "Secret": ""}', /"Secret" is empty/],
      [`{"ServerURL": "r", "Username": 7, "Secret": "${SECRET}"}`, /"Username" must be a string/],
      [`{"ServerURL": ["r"], "Username": "AWS", "Secret": "${SECRET}"}`, /"ServerURL" must be a string/],
    ];
    for (const [text, message] of cases) {
      const err = authError(() => parseRegistryCredentials(text, 'creds.json'));
      expect(err.message).toMatch(message);
      expect(describeChain(err)).not.toContain(SECRET);
    }
  });

  it('keeps the secret out of JSON and inspect output', () => {
    const credentials = parseRegistryCredentials(ecrJson);
    expect(JSON.stringify({ credentials })).not.toContain(SECRET);
    expect(JSON.stringify(credentials)).toContain('[redacted]');
    expect(inspect(credentials, { depth: 5, showHidden: true })).not.toContain(SECRET);
    expect(`${String(credentials)}`).not.toContain(SECRET);
  });
});

function describeChain(err: unknown): string {
  const parts: string[] = [];
  for (let current = err; current; current = current instanceof Error ? current.cause : undefined) {
    parts.push(current instanceof Error ? `${current.message} ${String((current as { stack?: string }).stack)}` : String(current));
  }
  return parts.join('\n');
}

describe('readRegistryCredentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-registry-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file anew at each call (it is refreshed behind our back)', async () => {
    const path = join(dir, 'auth.json');
    await writeFile(path, ecrJson, { mode: 0o600 });
    expect((await readRegistryCredentials(path)).secret).toBe(SECRET);
    await writeFile(path, JSON.stringify({ ServerURL: 'r', Username: 'AWS', Secret: 'rotated' }));
    expect((await readRegistryCredentials(path)).secret).toBe('rotated');
  });

  it('says when the file is missing, and names it', async () => {
    const path = join(dir, 'missing.json');
    await expect(readRegistryCredentials(path)).rejects.toThrow(new RegExp(`${path} does not exist`));
  });

  it('says when the file is not readable', async () => {
    // root reads anything: a directory stands in for an unreadable file then.
    const path = join(dir, 'unreadable');
    if (process.getuid?.() === 0) {
      await expect(readRegistryCredentials(dir)).rejects.toThrow(/cannot be read/);
    } else {
      await writeFile(path, ecrJson);
      await chmod(path, 0o000);
      await expect(readRegistryCredentials(path)).rejects.toThrow(/not readable/);
    }
  });

  it('names the file when its content is bad', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, `Secret=${SECRET}`);
    const err = await readRegistryCredentials(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect((err as Error).message).toBe(`registry credentials file ${path} is not JSON (expected {"ServerURL", "Username", "Secret"} as docker-credential-* get prints it)`);
    expect(describeChain(err)).not.toContain(SECRET);
  });
});

describe('registryCredentialsFromFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-registry-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has no credentials without a file', async () => {
    expect(await registryCredentialsFromFile(undefined, '127.0.0.1:5000')()).toBeNull();
    expect(await registryCredentialsFromFile(null, '127.0.0.1:5000')()).toBeNull();
  });

  it('reads the file at each call and checks it is for the registry', async () => {
    const path = join(dir, 'auth.json');
    const source = registryCredentialsFromFile(path, '127.0.0.1:5000');
    await writeFile(path, JSON.stringify({ ServerURL: '127.0.0.1:5000', Username: 'a', Secret: 'one' }));
    expect((await source())?.secret).toBe('one');
    await writeFile(path, JSON.stringify({ ServerURL: 'https://127.0.0.1:5000/', Username: 'a', Secret: 'two' }));
    expect((await source())?.secret).toBe('two');
    await writeFile(path, JSON.stringify({ ServerURL: 'other.example:5000', Username: 'a', Secret: 'three' }));
    await expect(source()).rejects.toThrow(`registry credentials in ${path} are for other.example:5000, not for the registry 127.0.0.1:5000`);
  });
});

describe('credentialsFor', () => {
  const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  it('matches the registry whatever the URL dressing and case', () => {
    for (const serverUrl of [ecr, `https://${ecr}`, `https://${ecr}/`, `HTTPS://${ecr.toUpperCase()}/v2/`, null]) {
      const credentials = new RegistryCredentials(serverUrl, 'AWS', SECRET);
      expect(credentialsFor(credentials, ecr)).toBe(credentials);
    }
  });

  it('refuses credentials for another registry or port, naming both and not the secret', () => {
    const err = authError(() => credentialsFor(new RegistryCredentials('127.0.0.1:5001', 'u', SECRET), '127.0.0.1:5000'));
    expect(err.message).toBe('registry credentials are for 127.0.0.1:5001, not for the registry 127.0.0.1:5000');
  });
});

describe('registryScheme', () => {
  it('is plain HTTP for loopback registries, as Docker decides', () => {
    for (const registry of ['127.0.0.1:5000', '127.0.0.1', '127.3.4.5:80', 'localhost:5000', 'localhost', 'LOCALHOST:5000']) {
      expect(registryScheme(registry)).toBe('http');
      expect(isLoopbackRegistry(registry)).toBe(true);
    }
  });

  it('is HTTPS for everything else', () => {
    for (const registry of [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'registry.internal:5000',
      '10.0.1.7:5000',
      '128.0.0.1:5000',
      'localhost.example.com:5000',
      '127.0.0.1.nip.io:5000',
      '[::1]:5000',
    ]) {
      expect(registryScheme(registry)).toBe('https');
      expect(isLoopbackRegistry(registry)).toBe(false);
    }
  });

  it('is plain HTTP anywhere when the operator says so', () => {
    expect(registryScheme('registry.internal:5000', { insecure: true })).toBe('http');
    expect(registryScheme('registry.internal:5000', { insecure: false })).toBe('https');
  });
});

describe('registryHost', () => {
  it('strips a scheme and a path and lower-cases', () => {
    expect(registryHost('https://Registry.Example:443/v2/')).toBe('registry.example:443');
    expect(registryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('imageRegistry', () => {
  it('is the first component when it has a dot, a port or is localhost', () => {
    expect(imageRegistry('127.0.0.1:5000/apps/web@sha256:abc')).toBe('127.0.0.1:5000');
    expect(imageRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/apps/web:v1')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(imageRegistry('localhost/stack:1')).toBe('localhost');
  });

  it('says whether an image lives in a registry, the only one its credentials go to', () => {
    expect(imageLivesIn('127.0.0.1:5000/apps/web@sha256:abc', '127.0.0.1:5000')).toBe(true);
    expect(imageLivesIn('Registry.Example/apps/web:v1', 'https://registry.example/')).toBe(true);
    expect(imageLivesIn('other.example/apps/web:v1', 'registry.example')).toBe(false);
    expect(imageLivesIn('debian:bookworm', 'registry.example')).toBe(false);
  });

  it('is null for Docker Hub names', () => {
    expect(imageRegistry('debian:bookworm')).toBeNull();
    expect(imageRegistry('library/debian')).toBeNull();
    expect(imageRegistry('slipway/stack-run:abc')).toBeNull();
  });
});

describe('authorization', () => {
  const credentials = new RegistryCredentials('r', 'AWS', 'pa:ss wörd');
  it('is HTTP Basic over user:secret', () => {
    expect(basicAuthorization(credentials)).toBe(`Basic ${Buffer.from('AWS:pa:ss wörd').toString('base64')}`);
  });

  it('is the Engine auth config for the registry, empty without credentials', () => {
    expect(dockerAuthConfig(credentials, '127.0.0.1:5000')).toEqual({ username: 'AWS', password: 'pa:ss wörd', serveraddress: '127.0.0.1:5000' });
    expect(dockerAuthConfig(null, '127.0.0.1:5000')).toEqual({});
  });
});
