// DockerContainerEngine pulling from a registry that requires credentials (as ECR does): a
// real CNCF distribution with htpasswd auth on 127.0.0.1 and the real Docker Engine. The
// credentials come from a credential-helper JSON file, read at each pull. Order matters: once
// the Engine has pulled a digest it keeps the manifest and pulls it again without asking the
// registry, so the refusals come before the first successful pull.
import { writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../common/errors.js';
import { registryCredentialsFromFile } from '../common/registry-auth.js';
import type { ImageRef } from '../common/types.js';
import { pushTestAppImageWithAuth, startTestAuthRegistry, type AuthRegistry } from '../test/support/auth-registry.js';
import { removeTestAppImageReferences } from '../test/support/test-image.js';
import { containerSpec, imageReference } from './container-spec.js';
import { DockerContainerEngine, DockerEngineError } from './docker-engine.js';
import { removeHostLeftovers, runRequest, uniqueHostId } from './testing/agent-fixtures.js';
import { waitFor } from '../test/support/wait.js';

const docker = new Docker();
const hostId = uniqueHostId('engine-auth');
let registry: AuthRegistry;
let image: ImageRef;
let reference: string;

beforeAll(async () => {
  registry = await startTestAuthRegistry();
  image = await pushTestAppImageWithAuth(docker, registry);
  reference = imageReference(registry.url, image);
});

afterAll(async () => {
  await removeHostLeftovers(docker, [hostId]);
  if (registry) await removeTestAppImageReferences(docker, registry.url);
  await registry?.stop();
});

/** An engine whose registry credentials are read from `path` (none without a path). */
function engineWith(path: string | null): DockerContainerEngine {
  return new DockerContainerEngine(docker, hostId, {
    registryAuth: { registry: registry.url, credentials: registryCredentialsFromFile(path, registry.url) },
  });
}

async function pullError(engine: DockerContainerEngine): Promise<Error> {
  const err = await engine.pullImage(reference).then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('the pull succeeded');
  expect(err).toBeInstanceOf(DockerEngineError);
  return err;
}

describe('DockerContainerEngine with a registry that requires credentials', () => {
  it('without credentials, a pull fails and says none are configured', async () => {
    await removeTestAppImageReferences(docker, registry.url);
    for (const engine of [new DockerContainerEngine(docker, hostId), engineWith(null)]) {
      const err = await pullError(engine);
      expect(err.message).toBe(`could not pull ${reference}: the registry requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)`);
      expect(describeError(err)).toMatch(/no basic auth credentials/);
    }
    expect(await engineWith(null).hasImage(reference)).toBe(false);
  });

  it('reads the file at each pull: refused with a stale secret, then pulls once the file is refreshed', async () => {
    const path = await registry.writeCredentialsFile({ password: 'expired-token' });
    const engine = engineWith(path);
    await removeTestAppImageReferences(docker, registry.url);
    const refused = await pullError(engine);
    expect(refused.message).toBe(`could not pull ${reference}: the registry refused the credentials from SLIPWAY_REGISTRY_AUTH_FILE (expired, or for another account?)`);
    expect(describeError(refused)).not.toContain('expired-token');

    // The refresh timer rewrites the file in place; the same engine picks it up.
    await writeFile(path, JSON.stringify({ ServerURL: registry.url, Username: registry.username, Secret: registry.password }));
    await engine.pullImage(reference);
    expect(await engine.hasImage(reference)).toBe(true);
  });

  it('with credentials from the file, pulls by digest, and the image runs on 127.0.0.1', async () => {
    const engine = engineWith(await registry.writeCredentialsFile());
    await removeTestAppImageReferences(docker, registry.url);
    await engine.pullImage(reference);
    expect(await engine.hasImage(reference)).toBe(true);

    const spec = containerSpec(runRequest(image), { hostId, registry: registry.url, address: '127.0.0.1' });
    expect(spec.Image).toBe(reference);
    const id = await engine.createContainer(spec);
    await engine.startContainer(id);
    const port = (await engine.inspectContainer(id))?.publishedPorts['5000/tcp'];
    expect(port).toBeGreaterThan(0);
    const body = await waitFor('the app to answer', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return response?.ok ? await response.text() : undefined;
    });
    expect(body).toBe('hello from web.1\n');
    await engine.removeContainer(id);
  });

  it('fails clearly, naming the file, when the file is missing, bad or for another registry', async () => {
    const missing = await pullError(engineWith('/nonexistent/slipway/auth.json'));
    expect(describeError(missing)).toMatch(
      `could not pull ${reference}: no usable registry credentials: registry credentials file /nonexistent/slipway/auth.json does not exist (has the credentials refresh run yet?)`,
    );

    const other = await registry.writeCredentialsFile({ serverUrl: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' });
    const mismatched = await pullError(engineWith(other));
    expect(describeError(mismatched)).toMatch(/are for 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com, not for the registry 127\.0\.0\.1:\d+$/);
    expect(describeError(mismatched)).not.toContain(registry.password);

    const bad = await registry.writeCredentialsFile();
    await writeFile(bad, `{"Username": "${registry.username}", "Secret": "${registry.password}"`);
    const unparsable = await pullError(engineWith(bad));
    expect(describeError(unparsable)).toMatch(/is not JSON/);
    expect(describeError(unparsable)).not.toContain(registry.password);
  });
});
