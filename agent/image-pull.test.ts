import { describe, expect, it } from 'vitest';
import { RegistryCredentials } from '../common/registry-auth.js';
import { pullFailureMessage, pullRequest } from './image-pull.js';

const digest = `sha256:${'a'.repeat(64)}`;
const credentials = new RegistryCredentials('127.0.0.1:5000', 'slipway', 'hunter2');

describe('pullRequest', () => {
  it('pulls by digest, anonymously when no credentials are configured', () => {
    expect(pullRequest(`127.0.0.1:5000/apps/web@${digest}`, null)).toEqual({ authconfig: {}, fromImage: '127.0.0.1:5000/apps/web', tag: digest });
    expect(pullRequest(`127.0.0.1:5000/apps/web@${digest}`, { registry: '127.0.0.1:5000', credentials: null }).authconfig).toEqual({});
  });

  it('passes the credentials as the Engine auth config for the platform registry', () => {
    expect(pullRequest(`127.0.0.1:5000/apps/web@${digest}`, { registry: '127.0.0.1:5000', credentials })).toEqual({
      authconfig: { username: 'slipway', password: 'hunter2', serveraddress: '127.0.0.1:5000' },
      fromImage: '127.0.0.1:5000/apps/web',
      tag: digest,
    });
  });

  it('never sends them to another registry', () => {
    expect(pullRequest(`127.0.0.1:5001/apps/web@${digest}`, { registry: '127.0.0.1:5000', credentials }).authconfig).toEqual({});
    expect(pullRequest('debian:bookworm', { registry: '127.0.0.1:5000', credentials }).authconfig).toEqual({});
  });

  it('splits a tag, not a registry port', () => {
    expect(pullRequest('127.0.0.1:5000/apps/web:v3', null)).toMatchObject({ fromImage: '127.0.0.1:5000/apps/web', tag: 'v3' });
    expect(pullRequest('127.0.0.1:5000/apps/web', null)).toMatchObject({ fromImage: '127.0.0.1:5000/apps/web', tag: 'latest' });
  });
});

describe('pullFailureMessage', () => {
  const ref = `127.0.0.1:5000/apps/web@${digest}`;
  it('says credentials are missing when the registry wants them and none were sent', () => {
    expect(pullFailureMessage(ref, '(HTTP code 500) server error - Get "http://127.0.0.1:5000/v2/": no basic auth credentials', false)).toBe(
      `could not pull ${ref}: the registry requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)`,
    );
  });

  it('says the credentials were refused when they were sent', () => {
    expect(pullFailureMessage(ref, '(HTTP code 500) server error - unauthorized: authentication required', true)).toMatch(/refused the credentials from SLIPWAY_REGISTRY_AUTH_FILE/);
    expect(pullFailureMessage(ref, 'denied: Your authorization token has expired. Reauthenticate and try again.', true)).toMatch(/refused the credentials/);
  });

  it('says nothing about credentials for other failures', () => {
    expect(pullFailureMessage(ref, '(HTTP code 404) unexpected - manifest unknown', true)).toBe(`could not pull ${ref}`);
  });
});
