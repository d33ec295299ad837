import { describe, expect, it } from 'vitest';
import { containerReleaseCode, imageOf, imagesOf } from './release-images.js';

const built = { repository: 'apps/shop', digest: 'sha256:b' };
const pushedWeb = { repository: 'shop/web', digest: 'sha256:w' };
const pushedWorker = { repository: 'shop/worker', digest: 'sha256:k' };
const fromBuild = { image: built, processTypes: { web: 'node web.js', worker: 'node worker.js' } };

describe('the images of a release', () => {
  it('runs every type of a build on its one image', () => {
    expect(imageOf(fromBuild, 'worker')).toEqual(built);
    expect(imagesOf(fromBuild)).toEqual([built]);
  });

  it('releases several pushed types at once, web the main image', () => {
    const code = containerReleaseCode(null, { worker: { image: pushedWorker, command: 'work' }, web: { image: pushedWeb, command: 'serve' } });
    expect(code).toEqual({ image: pushedWeb, processTypes: { worker: 'work', web: 'serve' }, processImages: { worker: pushedWorker } });
    expect(imagesOf(code)).toEqual([pushedWeb, pushedWorker]);
  });

  it('keeps the types it does not release on the image they ran', () => {
    const code = containerReleaseCode(fromBuild, { web: { image: pushedWeb, command: 'serve' } });
    expect(code).toEqual({ image: pushedWeb, processTypes: { web: 'serve', worker: 'node worker.js' }, processImages: { worker: built } });
    expect(imageOf(code, 'worker')).toEqual(built);
    // A later release of the worker alone leaves web on its pushed image.
    const next = containerReleaseCode(code, { worker: { image: pushedWorker, command: 'work' } });
    expect(next).toEqual({ image: pushedWeb, processTypes: { web: 'serve', worker: 'work' }, processImages: { worker: pushedWorker } });
  });

  it('needs no per-type images when every type runs the same one', () => {
    const code = containerReleaseCode({ image: pushedWeb, processTypes: { web: 'serve' } }, { web: { image: pushedWeb, command: 'serve --fast' } });
    expect(code).toEqual({ image: pushedWeb, processTypes: { web: 'serve --fast' }, processImages: {} });
  });

  it('takes the first type as main without a web', () => {
    expect(containerReleaseCode(null, { worker: { image: pushedWorker, command: 'work' } }).image).toEqual(pushedWorker);
  });
});
