// Where things are inside build containers and app images, the same for every buildpack.

/** the app's source and build output (the app image's working directory) */
export const APP_DIR = '/app';
/** per-app cache mounts in build containers go under here */
export const CACHE_DIR = '/cache';
/** the operator's CA bundle, mounted into build containers for every client's TLS */
export const CA_PATH = '/etc/slipway/ca-certificates.crt';
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** the stack's user: builds and apps run as it */
export const APP_USER_ID = '1000:1000';
/** Where layers shared by all apps (runtimes, Debian package sets) are kept in the registry, for app repositories to mount */
export const RUNTIMES_REPOSITORY = 'slipway/runtimes';
/** Heroku's ENV_DIR in every build container: one file per config var (read-only) */
export const ENV_DIR = '/slipway/env';
