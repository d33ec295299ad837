import { describe, expect, it } from 'vitest';
import { parseBearerChallenge, parseScope, tokenRequestUrl } from './registry-token.js';

describe('parseBearerChallenge', () => {
  it('reads realm, service and each scope', () => {
    const challenge = parseBearerChallenge('Bearer realm="http://127.0.0.1:5780/registry/token",service="slipway-registry",scope="repository:a/web:pull,push repository:apps/a:pull"');
    expect(challenge).toEqual({ realm: 'http://127.0.0.1:5780/registry/token', service: 'slipway-registry', scopes: ['repository:a/web:pull,push', 'repository:apps/a:pull'] });
    expect(tokenRequestUrl(challenge!).toString()).toBe(
      'http://127.0.0.1:5780/registry/token?service=slipway-registry&scope=repository%3Aa%2Fweb%3Apull%2Cpush&scope=repository%3Aapps%2Fa%3Apull',
    );
  });

  it('is null for Basic, for none, and without a realm', () => {
    expect(parseBearerChallenge('Basic realm="x"')).toBeNull();
    expect(parseBearerChallenge(undefined)).toBeNull();
    expect(parseBearerChallenge('Bearer service="x"')).toBeNull();
  });
});

describe('parseScope', () => {
  it('splits type, name and actions', () => {
    expect(parseScope('repository:shop/web:push,pull,push')).toEqual({ type: 'repository', name: 'shop/web', actions: ['push', 'pull'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
    expect(parseScope('repository:shop/web')).toBeNull();
    expect(parseScope('repository::pull')).toBeNull();
  });
});
