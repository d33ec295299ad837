// Every Redis key the control plane writes, in one place.
export const keys = {
  /** hash: backup id (b001) → a PostgreSQL add-on's backup record (control-plane/backups) */
  addonBackups: (addonId: string) => `slipway:addon:${addonId}:backups`,
  /** counter: the add-on's last backup number */
  addonBackupSeq: (addonId: string) => `slipway:addon:${addonId}:backup-seq`,
  /** hash: add-on id → its daily backup schedule */
  backupSchedules: 'slipway:backup-schedules',
  /** claims one scheduled run (an add-on's, one day's) for one control plane */
  backupScheduleRun: (addonId: string, day: string) => `slipway:backup-schedule-run:${addonId}:${day}`,
  /** held by the control plane looking for due backup schedules now */
  backupSchedulingLock: 'slipway:backups:scheduling',
  user: (id: string) => `slipway:user:${id}`,
  userByEmail: (email: string) => `slipway:user-email:${email}`,
  /** An account's password hash (argon2id), apart from the record the API shows. */
  userPassword: (id: string) => `slipway:user:${id}:password`,
  users: 'slipway:users',
  /** hash: `user:<id>` or `team:<id>` → the plan an operator gave it (absent: the default plan) */
  accountPlans: 'slipway:account-plans',
  /** an account's build seconds in a calendar month (UTC), `YYYY-MM` */
  /** sorted set: an app's dyno memory and CPU samples, scored by time (metrics/dyno-metrics.ts) */
  dynoMetrics: (appId: string) => `slipway:metrics:dyno:${appId}`,
  /** sorted set: an app's traffic windows from the routers, scored by window end */
  routerTraffic: (appId: string) => `slipway:metrics:router:${appId}`,
  /** hash: alert id → an app's alert (control-plane/alerts) */
  appAlerts: (appId: string) => `slipway:app:${appId}:alerts`,
  /** set: ids of apps with alerts, for the evaluator */
  alertApps: 'slipway:alerts:apps',
  /** held by the control plane evaluating alerts now */
  alertEvaluationLock: 'slipway:alerts:evaluating',
  /** stream: the usage ledger (control-plane/usage) */
  usageLedger: 'slipway:usage:ledger',
  /** a usage record's key, once written (no record twice) */
  usageKey: (key: string) => `slipway:usage:key:${key}`,
  /** hash: instance id → ms its billed stretch began (while it is billable) */
  usageDynoMarks: 'slipway:usage:dyno-marks',
  /** open add-on stretches: add-on id → start ms */
  usageAddonMarks: 'slipway:usage:addon-marks',
  /** consumer group position of the billing forwarder over the ledger */
  usageForwarderGroup: 'billing',
  accountBuildSeconds: (account: string, month: string) => `slipway:account:${account}:build-seconds:${month}`,
  token: (id: string) => `slipway:token:${id}`,
  userTokens: (userId: string) => `slipway:user:${userId}:tokens`,
  /** Ids of bootstrap tokens ever adopted: one revoked stays revoked across restarts. */
  adoptedTokens: 'slipway:tokens:adopted',

  team: (id: string) => `slipway:team:${id}`,
  teamByName: (name: string) => `slipway:team-name:${name}`,
  teams: 'slipway:teams',
  /** hash: user id → role (admin, member, viewer) */
  teamMembers: (teamId: string) => `slipway:team:${teamId}:members`,
  /** set: ids of the teams a user belongs to */
  userTeams: (userId: string) => `slipway:user:${userId}:teams`,

  app: (id: string) => `slipway:app:${id}`,
  appByName: (name: string) => `slipway:app-name:${name}`,
  apps: 'slipway:apps',
  appConfig: (appId: string) => `slipway:app:${appId}:config`,
  /** JSON list of the app's buildpack installations (URLs or names), in order */
  appBuildpacks: (appId: string) => `slipway:app:${appId}:buildpacks`,
  /** sha256 -> config JSON: each distinct config the app's releases carry, stored once. */
  appConfigBlobs: (appId: string) => `slipway:app:${appId}:config-blobs`,
  appFormation: (appId: string) => `slipway:app:${appId}:formation`,
  /** hash: process type → JSON HealthCheck set through the API (overrides app.json's) */
  appHealthChecks: (appId: string) => `slipway:app:${appId}:health-checks`,
  /** hash: run id → JSON OneOffRecord (running one-off dynos) */
  appOneOffs: (appId: string) => `slipway:app:${appId}:one-offs`,
  appOneOffSeq: (appId: string) => `slipway:app:${appId}:one-off-seq`,
  /** hash: `<host>/<run>` → MB a running one-off holds (placement) */
  oneOffMemory: 'slipway:one-off-memory',
  appDomains: (appId: string) => `slipway:app:${appId}:domains`,
  appCollaborators: (appId: string) => `slipway:app:${appId}:collaborators`,
  /** The app's pending transfer to another user (Heroku's app transfer), JSON. */
  appTransfer: (appId: string) => `slipway:app:${appId}:transfer`,
  /** string: JSON AddonRecord (an add-on: its server's host, port and credentials) */
  addon: (id: string) => `slipway:addon:${id}`,
  /** Held while the add-on moves between hosts (one move at a time). */
  addonMoveLock: (id: string) => `slipway:addon:${id}:move-lock`,
  /** hash: add-on name → id (names are global, as on Heroku) */
  addonNames: 'slipway:addon-names',
  /** hash: attachment name → JSON AddonAttachmentRecord (the add-ons an app uses) */
  appAddonAttachments: (appId: string) => `slipway:app:${appId}:addon-attachments`,
  /** hash: attachment id → JSON AddonAttachmentRecord (every app an add-on is attached to) */
  addonAttachments: (addonId: string) => `slipway:addon:${addonId}:attachments`,
  /** set: ids of the add-ons an app owns */
  appAddons: (appId: string) => `slipway:app:${appId}:addons`,
  /** hash: drain id → JSON LogDrain (Heroku's log drains of the app) */
  appLogDrains: (appId: string) => `slipway:app:${appId}:log-drains`,
  /** set: ids of apps with log drains (what the drain forwarder reads) */
  logDrainApps: 'slipway:log-drain-apps',
  /** The drain forwarder's lease: one control plane forwards every drain. */
  logDrainLeader: 'slipway:log-drains:leader',
  appReleaseSeq: (appId: string) => `slipway:app:${appId}:release-seq`,
  appReleases: (appId: string) => `slipway:app:${appId}:releases`,
  appCurrentRelease: (appId: string) => `slipway:app:${appId}:current-release`,
  appBuilds: (appId: string) => `slipway:app:${appId}:builds`,
  appBuildLock: (appId: string) => `slipway:app:${appId}:build-lock`,
  /** builds in progress: queue order (ticket), lease expiry (ms), holder (JSON) */
  buildQueue: 'slipway:builds:queue',
  buildTickets: 'slipway:builds:tickets',
  buildLeaseExpiry: 'slipway:builds:lease-expiry',
  buildLeaseHolders: 'slipway:builds:lease-holders',
  appInstances: (appId: string) => `slipway:app:${appId}:instances`,
  domainOwner: (hostname: string) => `slipway:domain:${hostname}`,

  release: (appId: string, version: number) => `slipway:release:${appId}:${version}`,
  /** The release phase's output, one line per element. */
  releaseOutput: (appId: string, version: number) => `slipway:release:${appId}:${version}:output`,
  build: (id: string) => `slipway:build:${id}`,
  instance: (id: string) => `slipway:instance:${id}`,
  host: (id: string) => `slipway:host:${id}`,
  hosts: 'slipway:hosts',
  hostToken: (id: string) => `slipway:host:${id}:token-hash`,
  hostInstances: (id: string) => `slipway:host:${id}:instances`,
  hostNatsHash: (id: string) => `slipway:host:${id}:nats-hash`,
  schedulerLeader: 'slipway:scheduler:leader',
} as const;
