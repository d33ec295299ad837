import { describe, expect, it } from 'vitest';
import { parseScope } from '../../common/registry-token.js';
import { appsNamed, grantAccess, repositoryOwner } from './access.js';

const repos = { appPrefix: 'apps', stack: 'slipway/stack' };
const scopes = (...text: string[]) => text.map((one) => parseScope(one)!);

describe('repositoryOwner', () => {
  it("knows an app's own repositories, its builds, the stack, and nothing else", () => {
    expect(repositoryOwner('shop/web', repos)).toEqual({ app: 'shop', actions: ['pull', 'push'] });
    expect(repositoryOwner('shop/worker_2', repos)).toEqual({ app: 'shop', actions: ['pull', 'push'] });
    expect(repositoryOwner('slipway/stack', repos)).toEqual({ app: null, actions: ['pull'] });
    for (const name of ['shop', 'shop/web/extra', 'ab/web', 'shop/9web', 'apps/shop', 'apps/web', 'apps/ab']) {
      expect(repositoryOwner(name, repos), name).toBeNull();
    }
  });

  it('never lets an app named like the prefix reach the builds', () => {
    expect(repositoryOwner('stack/shop', { appPrefix: 'stack/apps', stack: 's' })).toBeNull();
    expect(repositoryOwner('stack/apps', { appPrefix: 'stack/apps', stack: 's' })).toBeNull();
  });
});

describe('grantAccess', () => {
  const requested = scopes('repository:shop/web:pull,push', 'repository:other/web:pull,push', 'repository:apps/shop:push,pull', 'repository:slipway/stack:pull,push', 'registry:catalog:*');

  it('gives a user push and pull on the apps they may change, pull on the stack, nothing else (not the builds)', () => {
    expect(grantAccess(requested, { kind: 'user', changeable: new Set(['shop']) }, repos)).toEqual([
      { type: 'repository', name: 'shop/web', actions: ['pull', 'push'] },
      { type: 'repository', name: 'slipway/stack', actions: ['pull'] },
    ]);
  });

  it('gives a user of no app only the stack', () => {
    expect(grantAccess(requested, { kind: 'user', changeable: new Set() }, repos)).toEqual([{ type: 'repository', name: 'slipway/stack', actions: ['pull'] }]);
  });

  it('never grants more than was asked', () => {
    expect(grantAccess(scopes('repository:shop/web:pull'), { kind: 'user', changeable: new Set(['shop']) }, repos)).toEqual([
      { type: 'repository', name: 'shop/web', actions: ['pull'] },
    ]);
    expect(grantAccess(scopes('repository:shop/web:delete,*'), { kind: 'user', changeable: new Set(['shop']) }, repos)).toEqual([]);
  });

  it('gives the platform everything it asks for', () => {
    expect(grantAccess(requested, { kind: 'platform' }, repos)).toEqual(requested);
  });
});

describe('appsNamed', () => {
  it('lists each app a request is about once', () => {
    expect(appsNamed(scopes('repository:shop/web:push', 'repository:shop/worker:pull', 'repository:apps/shop:pull', 'repository:blog/worker:pull', 'registry:catalog:*', 'repository:x/y/z:pull'), repos)).toEqual(['shop', 'blog']);
  });
});
