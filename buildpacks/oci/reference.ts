// Grammar of repository names, tags and digests (distribution's reference package), so
// nothing else ever reaches a registry URL.

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const isRepository = (name: string): boolean => name.length <= 255 && REPOSITORY.test(name);
export const isTag = (tag: string): boolean => TAG.test(tag);
export const isDigest = (digest: string): boolean => DIGEST.test(digest);
export const isReference = (reference: string): boolean => isTag(reference) || isDigest(reference);

/** Where apps' repositories live unless configured (ECR on AWS uses `<stack>/apps`). */
export const DEFAULT_APP_REPOSITORY_PREFIX = 'apps';

/** The repository an app's images live in. */
export const appRepository = (appName: string, prefix = DEFAULT_APP_REPOSITORY_PREFIX): string => `${prefix}/${appName}`;

/** `host:port/repository@digest`, what a Docker Engine pulls. */
export const pullReference = (registry: string, repository: string, digest: string): string =>
  `${registry}/${repository}@${digest}`;
