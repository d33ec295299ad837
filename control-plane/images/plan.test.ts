import { describe, expect, it } from 'vitest';
import { nextPage } from '../../buildpacks/oci/registry.js';
import { imagesToCollect, keptDigests, type AppHistory } from './plan.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const history = (repository: string, images: (number | null)[], overrides: Partial<AppHistory> = {}): AppHistory => ({
  repository,
  releases: images.map((image, i) => ({ version: i + 1, image: image === null ? null : { repository, digest: d(image) } })),
  currentVersion: images.length,
  building: false,
  ...overrides,
});

describe('imagesToCollect', () => {
  it('keeps the images of the last N releases and of the current one, and drops the rest', () => {
    const app = history('apps/a', [1, 2, 3, 3, 4], { currentVersion: 1 });
    expect([...keptDigests(app, 2)].sort()).toEqual([d(1), d(3), d(4)].sort());
    expect(imagesToCollect([{ repository: 'apps/a', digests: [d(1), d(2), d(3), d(4), d(5)] }], [app], 2, 'apps')).toEqual([
      { repository: 'apps/a', digest: d(2) },
      { repository: 'apps/a', digest: d(5) },
    ]);
  });

  it('drops everything of a deleted app, nothing of a building app, and never leaves the prefix', () => {
    const repositories = [
      { repository: 'apps/gone', digests: [d(1), d(1)] },
      { repository: 'apps/busy', digests: [d(2)] },
      { repository: 'slipway/stack', digests: [d(3)] },
    ];
    const apps = [history('apps/busy', [], { building: true, currentVersion: null })];
    expect(imagesToCollect(repositories, apps, 10, 'apps')).toEqual([{ repository: 'apps/gone', digest: d(1) }]);
  });

  it('follows the catalog’s Link header', () => {
    expect(nextPage('</v2/_catalog?last=apps%2Fb&n=2>; rel="next"')).toBe('/v2/_catalog?last=apps%2Fb&n=2');
    expect(nextPage(undefined)).toBeNull();
  });
});
