// Every Docker label Slipway writes on containers and images, under one reverse-DNS prefix as
// Docker recommends. Agents find their instances only through these labels; the builder and
// the stack find their containers and images by them.
export const LABEL_PREFIX = 'io.slipway.';

/** An app instance: which host owns it and who it is. */
export const INSTANCE_LABELS = {
  managed: `${LABEL_PREFIX}managed`,
  host: `${LABEL_PREFIX}host`,
  app: `${LABEL_PREFIX}app`,
  appId: `${LABEL_PREFIX}app-id`,
  instance: `${LABEL_PREFIX}instance`,
  processType: `${LABEL_PREFIX}process-type`,
  processIndex: `${LABEL_PREFIX}process-index`,
  release: `${LABEL_PREFIX}release`,
  /** Kept so that an agent restarted during a boot can resume the $PORT check. */
  checkPort: `${LABEL_PREFIX}check-port`,
  bootTimeout: `${LABEL_PREFIX}boot-timeout-seconds`,
  /** The dyno's CPU limit, which a startup CPU boost ends at (across the agent's restarts too). */
  cpus: `${LABEL_PREFIX}cpus`,
  /** The instance's health check as JSON, so that an agent restarted meanwhile keeps checking. */
  healthCheck: `${LABEL_PREFIX}health-check`,
  /** The app's SIGTERM grace, for the stops the agent decides itself (across its restarts too). */
  stopGrace: `${LABEL_PREFIX}stop-grace-seconds`,
  /** The platform's drain before the agent's own stops (across its restarts too). */
  drain: `${LABEL_PREFIX}drain-ms`,
  /** On a one-off container instead of the instance labels: its run id (and `dyno` its name). */
  oneOff: `${LABEL_PREFIX}one-off`,
  dyno: `${LABEL_PREFIX}dyno`,
} as const;

/** On an add-on's container and volume, with INSTANCE_LABELS.managed and .host: which add-on. */
export const ADDON_LABELS = {
  addon: `${LABEL_PREFIX}addon`,
  service: `${LABEL_PREFIX}addon.service`,
  /** how a backup is restored into the server: `staged-rdb` (a Redis whose start script loads a
   *  staged snapshot; servers made before that have no label and refuse restores) */
  restores: `${LABEL_PREFIX}addon.restores`,
} as const;

/** A build step's container. */
export const BUILD_CONTAINER_LABELS = {
  role: `${LABEL_PREFIX}role`,
  buildId: `${LABEL_PREFIX}build.id`,
  app: `${LABEL_PREFIX}app`,
} as const;

/** An app image, as the builder assembles it. */
export const APP_IMAGE_LABELS = {
  app: `${LABEL_PREFIX}app`,
  buildId: `${LABEL_PREFIX}build.id`,
  buildpack: `${LABEL_PREFIX}buildpack`,
  stack: `${LABEL_PREFIX}stack`,
  processTypes: `${LABEL_PREFIX}process-types`,
} as const;

/** The stack images: the recipe they were built from and their role (build or run). */
export const STACK_LABELS = {
  recipe: `${LABEL_PREFIX}stack.recipe`,
  role: `${LABEL_PREFIX}stack.role`,
  /** on a stack-packages image: JSON of the installed packages' versions */
  packageVersions: `${LABEL_PREFIX}stack.package-versions`,
} as const;

/** A Docker network Slipway created, and what for (apps or builds). */
export const NETWORK_LABELS = {
  managed: `${LABEL_PREFIX}managed`,
  role: `${LABEL_PREFIX}network.role`,
} as const;

/** Containers and images a test run made, so its cleanup removes exactly those. */
export const TEST_RUN_LABEL = `${LABEL_PREFIX}test.run`;
