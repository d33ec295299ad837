// A registry that takes HTTP Basic credentials, as ECR does: CNCF distribution with htpasswd auth
// (HTTP Basic; plain HTTP on 127.0.0.1, which Docker allows for loopback registries), on a
// free port with its own data dir. Plus the credentials file Slipway reads, and a push of the
// test app image through the Engine with credentials.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { followProgress, pushedDigest } from '../../common/docker-progress.js';
import { freePort } from '../../common/ports.js';
import { dockerAuthConfig, RegistryCredentials } from '../../common/registry-auth.js';
import type { ImageRef } from '../../common/types.js';
import { ManagedProcess } from '../../common/managed-process.js';
import bcrypt from 'bcryptjs';
import { registryConfig, type RunningService } from '../../supervisor/services.js';
import { TEST_APP_REPOSITORY, TEST_IMAGE_LABEL, TestImageError, ensureLocalTestAppImage } from './test-image.js';

export const AUTH_REGISTRY_REALM = 'slipway-test';

export interface AuthRegistry extends RunningService {
  username: string;
  password: string;
  /** Writes credential-helper JSON for this registry (as the ECR refresh timer does) and returns its path. */
  writeCredentialsFile(credentials?: { username?: string; password?: string; serverUrl?: string }): Promise<string>;
}

/** distribution's config with htpasswd auth added, under a test realm. */
export function authRegistryConfig(dataDir: string, port: number, htpasswdFile: string): string {
  return registryConfig(dataDir, port, { kind: 'htpasswd', realm: AUTH_REGISTRY_REALM, path: htpasswdFile });
}

/** One htpasswd line. bcrypt's lowest cost: distribution checks the hash on every request,
 *  and a random password needs no slow hash to resist guessing. */
export function htpasswdLine(username: string, password: string): string {
  return `${username}:${bcrypt.hashSync(password, 4)}\n`;
}

/** Answers 401 with a Basic challenge to an anonymous GET /v2/ once it is up. */
async function challenges(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return response.status === 401 && /^Basic /.test(response.headers.get('www-authenticate') ?? '');
}

export async function startTestAuthRegistry(): Promise<AuthRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-test-auth-registry-'));
  const username = 'slipway';
  const password = randomBytes(18).toString('base64url');
  const htpasswd = join(dataDir, 'htpasswd');
  await writeFile(htpasswd, htpasswdLine(username, password), { mode: 0o600 });
  let lastError: unknown;
  // A port found free can be taken before the registry binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const configFile = join(dataDir, 'registry.yml');
    await writeFile(configFile, authRegistryConfig(dataDir, port, htpasswd));
    const proc = new ManagedProcess({ name: 'auth-registry', argv: ['docker-registry', 'serve', configFile] });
    try {
      await proc.waitUntilReady(() => challenges(port));
    } catch (err) {
      lastError = err;
      await proc.stop(2000);
      continue;
    }
    const url = `127.0.0.1:${port}`;
    let files = 0;
    return {
      name: 'auth-registry',
      url,
      process: proc,
      username,
      password,
      async writeCredentialsFile(credentials = {}) {
        const path = join(dataDir, `auth-${++files}.json`);
        const json = { ServerURL: credentials.serverUrl ?? url, Username: credentials.username ?? username, Secret: credentials.password ?? password };
        await writeFile(path, JSON.stringify(json), { mode: 0o600 });
        return path;
      },
      async stop() {
        await proc.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

/**
 * The test app image with a label unique to this call, so its manifest digest is new: the
 * Engine keeps manifests it pulled by digest and pulls them again without asking the
 * registry (so without credentials), which would hide a missing credential in a test.
 */
async function uniqueTestAppImage(docker: Docker): Promise<string> {
  const base = await ensureLocalTestAppImage(docker);
  const name = `slipway-test-app-unique:${randomBytes(6).toString('hex')}`;
  const context = tar.pack();
  const dockerfile = `FROM ${base}\nLABEL ${TEST_IMAGE_LABEL}=app slipway.test-image.unique=${name.split(':')[1]}\n`;
  context.entry({ name: 'Dockerfile' }, dockerfile);
  context.finalize();
  // tar-stream's pack is a streamx stream; the Engine client wants a Node stream.
  const stream = await docker.buildImage(context.pipe(new PassThrough()) as unknown as NodeJS.ReadableStream, { t: name, pull: false } as object);
  await followProgress(docker.modem, stream, 'building a unique test image');
  return name;
}

/**
 * Pushes a unique variant of the test app image (see uniqueTestAppImage) to `registry.url`
 * through the Engine, with credentials. Only the pushed references remain: the local tag is
 * removed, and removeTestAppImageReferences(docker, registry.url) removes the rest.
 */
export async function pushTestAppImageWithAuth(docker: Docker, registry: Pick<AuthRegistry, 'url' | 'username' | 'password'>): Promise<ImageRef> {
  const local = await uniqueTestAppImage(docker);
  const tag = local.split(':')[1]!;
  const remote = `${registry.url}/${TEST_APP_REPOSITORY}`;
  try {
    await docker.getImage(local).tag({ repo: remote, tag });
    const authconfig = dockerAuthConfig(new RegistryCredentials(registry.url, registry.username, registry.password), registry.url);
    const stream = await docker.getImage(`${remote}:${tag}`).push({ authconfig } as object);
    const events = await followProgress(docker.modem, stream, `pushing the test image to ${registry.url}`);
    const digest = pushedDigest(events);
    if (!digest) throw new TestImageError(`pushing the test image to ${registry.url} reported no digest`);
    return { repository: TEST_APP_REPOSITORY, digest };
  } finally {
    await docker.getImage(local).remove({ noprune: true }).catch(() => {});
  }
}
