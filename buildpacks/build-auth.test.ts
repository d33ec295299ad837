// Integration: the builder against a registry that requires credentials (CNCF distribution
// with htpasswd auth on 127.0.0.1, standing in for ECR), the credentials coming from a
// credential-helper JSON file as on AWS. The stack is pushed there, node-hello is built and
// pushed there and tagged, and the image is pulled by digest through the Engine with the same
// credentials and run. Builds against an open registry without any file are build.test.ts.
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../common/errors.js';
import { dockerAuthConfig, readRegistryCredentials, type DockerAuthConfig } from '../common/registry-auth.js';
import { startTestAuthRegistry, type AuthRegistry } from '../test/support/auth-registry.js';
import { buildApp, removeAppCaches, type BuildOutcome } from './build.js';
import type { BuilderConfig } from './config.js';
import { StackError } from './errors.js';
import { pullReference } from '../common/image-reference.js';
import { engineAuthConfig, registryClient } from './registry-access.js';
import { ensurePulled, inspectLocalImage } from './stack/docker-images.js';
import { ensureStack, type Stack } from './stack/ensure.js';
import { STACK_REGISTRY_REPOSITORY } from './stack/recipe.js';
import { tagImage } from './tag.js';
import { fixtureFiles, gitArchiveOf, removeTestContainers, serveOnce, testBuilderConfig, uniqueAppName } from './testing/build-fixtures.js';

const docker = new Docker();
const appName = uniqueAppName('auth-hello');
const appId = `id-${appName}`;
let registry: AuthRegistry;
let config: BuilderConfig;
let stack: Stack;
let built: BuildOutcome;
/** Local references these tests pulled (removed afterwards; the image content stays shared). */
const pulled: string[] = [];

beforeAll(async () => {
  registry = await startTestAuthRegistry();
  config = testBuilderConfig(registry.url, { registryAuthFile: await registry.writeCredentialsFile() });
  stack = await ensureStack(docker, config, (line) => console.log(line));
}, 900_000);

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove({ noprune: true }).catch(() => undefined);
  if (config) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

/** Pulls `ref` through the Engine with `authconfig`; the error the Engine reports, or null. */
async function enginePull(ref: string, authconfig: DockerAuthConfig): Promise<Error | null> {
  try {
    const [fromImage, tag] = ref.split('@') as [string, string];
    const stream = await docker.createImage(authconfig, { fromImage, tag });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    pulled.push(ref);
    return null;
  } catch (err) {
    return err as Error;
  }
}

describe('the builder with a registry that requires credentials', () => {
  it('pushed the stack with the credentials from the file', async () => {
    const manifest = await registryClient(config).getManifest(STACK_REGISTRY_REPOSITORY, stack.id);
    expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('without the file, cannot push the stack, and says credentials are missing', async () => {
    const err = await ensureStack(docker, { ...config, registryAuthFile: undefined }, () => {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StackError);
    expect(describeError(err)).toMatch(new RegExp(`registry ${registry.url} requires credentials and none are configured \\(set SLIPWAY_REGISTRY_AUTH_FILE\\)`));
  });

  it('builds node-hello into the registry; the image is pulled by digest with the credentials and serves "hello from v1"', async () => {
    const lines: string[] = [];
    built = await buildApp(docker, config, stack, {
      buildId: `b${Date.now().toString(36)}`,
      appName,
      appId,
      source: Readable.from(await gitArchiveOf(await fixtureFiles('node-hello'))),
      log: (line) => void lines.push(line),
    });
    console.log(lines.join('\n'));
    expect(built.image.repository).toBe(`apps/${appName}`);
    // stack mounted from slipway/stack within the same registry; runtime, dependencies and app uploaded
    expect(built.layersUploaded).toBe(3);

    const ref = pullReference(registry.url, built.image.repository, built.image.digest);
    // Anonymous first: the Engine keeps manifests it pulled by digest, so this must come before the pull that works.
    const anonymous = await enginePull(ref, {});
    expect(anonymous?.message).toMatch(/no basic auth credentials/);
    const credentials = await readRegistryCredentials(config.registryAuthFile!);
    expect(await enginePull(ref, dockerAuthConfig(credentials, registry.url))).toBeNull();

    const served = await serveOnce(docker, ref, built.processTypes.web!);
    expect(served.body.trim()).toBe('hello from v1');
    expect(served.exitCode).toBe(0);
  }, 900_000);

  it('tags the built image for a release with the credentials', async () => {
    await tagImage(config, built.image.repository, built.image.digest, 'v1');
    expect((await registryClient(config).getManifest(built.image.repository, 'v1')).digest).toBe(built.image.digest);
    const anonymous = await tagImage({ registry: registry.url }, built.image.repository, built.image.digest, 'v2').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(anonymous?.message).toMatch(/requires credentials and none are configured/);
  });

  it('pulls an operator stack image from the platform registry with the credentials, and not without', async () => {
    const ref = `${registry.url}/${built.image.repository}:v1`;
    expect(await inspectLocalImage(docker, ref)).toBeNull();
    const refused = await ensurePulled(docker, ref, () => {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StackError);
    expect(describeError(refused)).toMatch(/no basic auth credentials/);

    pulled.push(ref);
    const image = await ensurePulled(docker, ref, () => {}, () => engineAuthConfig(config, ref));
    expect(image.diffIds.length).toBe(stack.layers.length + 3);
  });
});
