import { describe, expect, it } from 'vitest';
import { appRepository, isDigest, isRegistryHost, isRepository, isTag, isTaggedImageReference, pullReference } from './image-reference.js';

describe('image references', () => {
  it('accepts repository names of the distribution grammar and refuses the rest', () => {
    for (const name of ['apps/hello', 'slipway/stack', 'a', 'a.b_c/d__e', 'x--y/z']) expect(isRepository(name), name).toBe(true);
    for (const name of ['Apps/hello', '/apps', 'apps/', 'a..b', 'a/../b', '-a', 'a b', 'a'.repeat(256)]) expect(isRepository(name), name).toBe(false);
  });

  it('tells tags, digests and registry hosts apart', () => {
    expect(isTag('v1.2_3')).toBe(true);
    expect(isTag('.v1')).toBe(false);
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(isRegistryHost('127.0.0.1:5000')).toBe(true);
    expect(isRegistryHost('registry.internal')).toBe(true);
    expect(isRegistryHost('reg/istry')).toBe(false);
  });

  it('checks host/repository:tag references as a whole', () => {
    expect(isTaggedImageReference('registry.internal:5000/slipway/agent:1.0')).toBe(true);
    expect(isTaggedImageReference('slipway/agent:1.0')).toBe(true); // `slipway` is a valid host name
    expect(isTaggedImageReference('registry.internal/slipway/agent')).toBe(false);
    expect(isTaggedImageReference('registry.internal:5000/slipway/agent')).toBe(false);
    expect(isTaggedImageReference('registry.internal/Slipway/agent:1')).toBe(false);
    expect(isTaggedImageReference('registry.internal/agent:1;rm -rf /')).toBe(false);
  });

  it('builds app repositories and pull references', () => {
    expect(appRepository('hello')).toBe('apps/hello');
    expect(pullReference('reg:1', appRepository('hello', 'stack/apps'), 'sha256:x')).toBe('reg:1/stack/apps/hello@sha256:x');
  });
});
