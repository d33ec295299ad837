// What the agent asks the Engine when it pulls, and what it says when a pull fails: pure, so
// the decisions are tested apart from the Engine.
import { dockerAuthConfig, imageLivesIn, type DockerAuthConfig, type RegistryCredentials } from '../common/registry-auth.js';

export interface PullRequest {
  /** The Engine's X-Registry-Auth: empty for an open registry (the Engine wants the header anyway). */
  authconfig: DockerAuthConfig;
  fromImage: string;
  /** A tag, or the digest when the reference names one. */
  tag: string;
}

/**
 * The Engine's createImage arguments for `reference` (`registry/repository@digest` or
 * `registry/repository[:tag]`). Credentials go only to the registry they are for: a
 * reference naming another registry is pulled anonymously.
 */
export function pullRequest(reference: string, auth: { registry: string; credentials: RegistryCredentials | null } | null): PullRequest {
  const at = reference.lastIndexOf('@');
  let fromImage = reference;
  let tag = 'latest';
  if (at > 0) {
    fromImage = reference.slice(0, at);
    tag = reference.slice(at + 1);
  } else {
    const colon = reference.lastIndexOf(':');
    // A colon after the last slash separates a tag; one before it is the registry's port.
    if (colon > reference.lastIndexOf('/')) {
      fromImage = reference.slice(0, colon);
      tag = reference.slice(colon + 1);
    }
  }
  const forRegistry = auth !== null && imageLivesIn(reference, auth.registry);
  return { authconfig: forRegistry ? dockerAuthConfig(auth.credentials, auth.registry) : {}, fromImage, tag };
}

/** The Engine's words when a registry refuses a pull for want of (valid) credentials. */
const UNAUTHORIZED = /no basic auth credentials|authentication required|unauthorized|denied|401/i;

/** Why a pull failed, for the run reply and the log (the Engine's own words follow as the cause). */
export function pullFailureMessage(reference: string, engineMessage: string, sentCredentials: boolean): string {
  if (!UNAUTHORIZED.test(engineMessage)) return `could not pull ${reference}`;
  return sentCredentials
    ? `could not pull ${reference}: the registry refused the credentials from SLIPWAY_REGISTRY_AUTH_FILE (expired, or for another account?)`
    : `could not pull ${reference}: the registry requires credentials and none are configured (set SLIPWAY_REGISTRY_AUTH_FILE)`;
}
