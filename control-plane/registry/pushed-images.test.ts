import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../../common/errors.js';
import { sha256Digest } from '../../buildpacks/oci/blob.js';
import { RegistryError } from '../../buildpacks/errors.js';
import { findPushedImage, isPushedRepositoryOf, removePushedImages } from './pushed-images.js';

const config = Buffer.from(JSON.stringify({ config: { Entrypoint: null, Cmd: ['perl', '/srv/server.pl'] } }));
const configDigest = sha256Digest(config);
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: configDigest }, layers: [] }));
const manifestDigest = sha256Digest(manifest);

/** A registry holding one push at `shop/web:latest`; other manifests answer as distribution does. */
const registry = {
  registry: '127.0.0.1:5792',
  async getManifest(repo: string, reference: string) {
    if (repo === 'shop/web' && (reference === 'latest' || reference === manifestDigest)) return { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: manifestDigest, body: manifest };
    // a config's digest asked for as a manifest: distribution answers 500
    throw new RegistryError('no manifest', reference === configDigest ? 500 : 404);
  },
  async getBlob(repo: string, digest: string) {
    return repo === 'shop/web' && digest === configDigest ? config : null;
  },
};

describe('findPushedImage', () => {
  it("finds the latest push by its image id or its digest, with the image's command", async () => {
    const expected = { image: { repository: 'shop/web', digest: manifestDigest }, command: 'perl /srv/server.pl' };
    expect(await findPushedImage(registry, 'shop', 'web', configDigest)).toEqual(expected);
    expect(await findPushedImage(registry, 'shop', 'web', manifestDigest)).toEqual(expected);
  });

  it('refuses what was not pushed there, and what is no digest', async () => {
    await expect(findPushedImage(registry, 'shop', 'worker', configDigest)).rejects.toThrow(InvalidParamsError);
    await expect(findPushedImage(registry, 'shop', 'web', `sha256:${'1'.repeat(64)}`)).rejects.toThrow(/Couldn't find the image/);
    await expect(findPushedImage(registry, 'shop', 'web', 'latest')).rejects.toThrow(/image id or digest/);
  });
});

describe('removePushedImages', () => {
  it("deletes every manifest of the app's pushed repositories, and nothing else", async () => {
    const deleted: string[] = [];
    const fake = {
      listRepositories: async () => ['shop/web', 'shop/worker', 'shop-two/web', 'apps/shop', 'shop/web/x'],
      listTags: async (repo: string) => (repo === 'shop/web' ? ['latest', 'v1', 'v2'] : ['latest']),
      manifestDigest: async (repo: string, tag: string) => `sha256:${(repo + (tag === 'v2' ? 'b' : 'a')).padEnd(64, '0')}`,
      deleteManifest: async (repo: string, digest: string) => {
        deleted.push(`${repo}@${digest.slice(7, 20)}`);
        return true;
      },
    };
    expect(await removePushedImages(fake, 'shop')).toBe(3);
    expect(deleted).toEqual(['shop/web@shop/weba0000', 'shop/web@shop/webb0000', 'shop/worker@shop/workera0']);
    expect(isPushedRepositoryOf('shop-two/web', 'shop')).toBe(false);
    expect(isPushedRepositoryOf('shop/Web', 'shop')).toBe(false);
  });
});
