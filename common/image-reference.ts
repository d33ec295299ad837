// Grammar of registry hosts, repository names, tags and digests (distribution's reference
// package), and the image references built from them: the one place that knows them, so
// nothing else ever reaches a registry URL or a Docker Engine.

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A DNS name or IPv4 address, with an optional port. */
const REGISTRY_HOST = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:\d{1,5})?$/;

export const isRepository = (name: string): boolean => name.length <= 255 && REPOSITORY.test(name);
export const isTag = (tag: string): boolean => TAG.test(tag);
export const isDigest = (digest: string): boolean => DIGEST.test(digest);
export const isReference = (reference: string): boolean => isTag(reference) || isDigest(reference);
export const isRegistryHost = (host: string): boolean => REGISTRY_HOST.test(host);

/** `host[:port]/repository:tag`, as an operator names an image to run (the agent's, say). */
export function isTaggedImageReference(reference: string): boolean {
  const slash = reference.indexOf('/');
  const colon = reference.lastIndexOf(':');
  if (slash < 0 || colon < slash) return false;
  return isRegistryHost(reference.slice(0, slash)) && isRepository(reference.slice(slash + 1, colon)) && isTag(reference.slice(colon + 1));
}

/** Where apps' repositories live unless configured (ECR on AWS uses `<stack>/apps`). */
export const DEFAULT_APP_REPOSITORY_PREFIX = 'apps';

/** The repository an app's images live in. */
export const appRepository = (appName: string, prefix = DEFAULT_APP_REPOSITORY_PREFIX): string => `${prefix}/${appName}`;

/** `host:port/repository@digest`, what a Docker Engine pulls. */
export const pullReference = (registry: string, repository: string, digest: string): string =>
  `${registry}/${repository}@${digest}`;
