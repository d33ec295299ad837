import { describe, expect, it } from 'vitest';
import { RegistryCredentials } from '../../common/registry-auth.js';
import { basicCredentials, isPlatformLogin, requestedScopes } from './token-handler.js';

describe('the token request', () => {
  it('reads any user name with the password from Basic', () => {
    expect(basicCredentials(`Basic ${Buffer.from('_:slw_x:y').toString('base64')}`)).toEqual({ username: '_', password: 'slw_x:y' });
    expect(basicCredentials('Bearer abc')).toBeNull();
    expect(basicCredentials(undefined)).toBeNull();
    expect(basicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeNull();
  });

  it('takes repeated and space-separated scopes, and skips malformed ones', () => {
    expect(requestedScopes(['repository:a-app/web:pull,push repository:apps/a-app:pull', 'nonsense'])).toEqual([
      { type: 'repository', name: 'a-app/web', actions: ['pull', 'push'] },
      { type: 'repository', name: 'apps/a-app', actions: ['pull'] },
    ]);
    expect(requestedScopes(undefined)).toEqual([]);
  });

  it("knows the platform's login only with both its user name and its password", () => {
    const platform = new RegistryCredentials('127.0.0.1:1', 'slipway', 'secret');
    expect(isPlatformLogin({ username: 'slipway', password: 'secret' }, platform)).toBe(true);
    expect(isPlatformLogin({ username: 'other', password: 'secret' }, platform)).toBe(false);
    expect(isPlatformLogin({ username: 'slipway', password: 'secret2' }, platform)).toBe(false);
  });
});
