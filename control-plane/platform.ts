// The control plane's composition root: connects to Redis and NATS, builds the object graph,
// starts the API server, the scheduler and the local hosts, and knows how to stop them all.
import type { Brand } from '../common/brand.js';
import { describeError } from '../common/errors.js';
import { runShutdownSteps } from '../common/shutdown-steps.js';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { compiledEntry } from '../common/entry-points.js';
import type { Logger } from '../common/logger.js';
import { natsServerOptions, natsUrlWithCredentials } from '../common/nats-url.js';
import type { AutoScalingApi } from '../host-providers/aws/auto-scaling.js';
import { LocalHostProvider } from '../host-providers/local/provider.js';
import type { HostProvider } from '../host-providers/provider.js';
import { natsAppLogger } from './app-logs.js';
import type { Builder } from './builds/builder.js';
import { CertificateStore } from './certificates/store.js';
import { AcmeIssuer } from './acme/issuer.js';
import { AcmManager } from './acme/manager.js';
import { DEFAULT_ACM_POLICY } from './acme/policy.js';
import { AcmStore } from './acme/store.js';
import { AppSleep } from './sleep/service.js';
import { Waker } from './sleep/waker.js';
import { DeployPipeline } from './builds/pipeline.js';
import type { ControlPlaneConfig } from './config.js';
import { PushSessions } from './git/push-sessions.js';
import { AccessCutoff } from './auth/access-cutoff.js';
import { DynoMetricsStore } from './metrics/dyno-metrics.js';
import { decode, encode, routerTraffic as routerTrafficSchema, subjects } from '../common/protocol.js';
import { AlertStore } from './alerts/store.js';
import { AlertEvaluator } from './alerts/evaluator.js';
import { RouterTrafficStore } from './metrics/router-traffic.js';
import { BillingForwarder } from './usage/billing-forwarder.js';
import { Usage } from './usage/service.js';
import { PlanAssignments } from './plans/assignments.js';
import { longestLogRetentionHours } from './plans/catalogue.js';
import { PlanGate } from './plans/gate.js';
import { ensureLogStream, purgeAppLogs } from './logs/stream.js';
import { GitRepos } from './git/repos.js';
import type { EnrollmentHandler } from './hosts/enrollment.js';
import { HostService } from './hosts/service.js';
import { linksAnswer } from './hosts/link-probe.js';
import { Membership } from './hosts/membership.js';
import { NatsHostUsers } from './hosts/nats-users.js';
import type { ApiUrls } from './http/representations.js';
import { webUrl } from './http/representations.js';
import { Releaser } from './releases/service.js';
import { releasePhaseRunner } from './releases/phase.js';
import { NatsOneOffRunner } from './one-offs/runner.js';
import { DetachedRuns } from './one-offs/detached.js';
import { OneOffStore } from './store/one-offs.js';
import { AttachSessions, serveAttachments } from './one-offs/attach.js';
import { serveRendezvous } from './one-offs/rendezvous.js';
import { LogSessions } from './logs/sessions.js';
import { LogDrains } from './drains/drains.js';
import { LogDrainService } from './drains/service.js';
import { AddressPolicy } from './drains/addresses.js';
import { LogDrainStore } from './store/log-drains.js';
import { API_ROUTE_NAME } from './handlers/apps.js';
import { NatsAgentClient } from './agents/client.js';
import { Addons } from './addons/service.js';
import { makeBackups } from './backups/wiring.js';
import { AddonStore } from './store/addons.js';
import { HttpPartnerClient } from './partner-addons/client.js';
import { PartnerOAuth } from './partner-addons/oauth-service.js';
import { PartnerOAuthStore } from './partner-addons/oauth-store.js';
import { PartnerAddons } from './partner-addons/service.js';
import { LeasedPass } from './leased-pass.js';
import { StorageEnforcement } from './addons/storage-enforcement.js';
import { PartnerServiceStore } from './partner-addons/store.js';
import { LeaderLease } from './scheduler/leader.js';
import { startOperatorMetrics } from './operator-metrics.js';
import { ImageCollector, scheduleImageCollection } from './images/collector.js';
import { Reconciler } from './scheduler/reconciler.js';
import { RoutePublisher } from './scheduler/routes.js';
import { SchedulerService } from './scheduler/service.js';
import { AgentInbox } from './agents/inbox.js';
import { AppLifecycle } from './apps/lifecycle.js';
import { createApi } from './server.js';
import { RegistryTokenSigner } from './registry/token-signer.js';
import { copyPushedImages, findPushedImage, removePushedImages } from './registry/pushed-images.js';
import type { Services } from './services.js';
import { AppAccess } from './apps/access.js';
import { TeamStore } from './store/teams.js';
import { AppStore } from './store/apps.js';
import { BuildStore } from './store/builds.js';
import { BUILD_LEASE_MS, BuildLeases } from './store/build-leases.js';
import { reclaimOrphanBuilds, type OrphanDeps } from './builds/orphans.js';
import { controlPlaneId } from './control-plane-id.js';
import { HostStore } from './store/hosts.js';
import { InstanceStore } from './store/instances.js';
import { keys } from './store/keys.js';
import { ReleaseStore } from './store/releases.js';
import { ReleaseOutputStore } from './store/release-output.js';
import { AppTransferStore } from './store/app-transfers.js';
import { UserStore } from './store/users.js';
import { Accounts, ACCOUNT_LINK_TTLS } from './accounts/service.js';
import { OneTimeTokens } from './accounts/one-time-tokens.js';
import { ssoLogin } from './accounts/sso-setup.js';
import { AuditLog } from './audit/audit-log.js';
import { DEFAULT_DELIVERY_SETTINGS, DeliveryQueue, DeliveryWorker } from './delivery/queue.js';
import { queuedMailer } from './delivery/mailer.js';
import { destinationSender, emailSender, UserUrlGuard, webhookSender } from './delivery/senders.js';
import { unconfiguredMailer, type AccountMailer } from './accounts/mail.js';

/** The bootstrap operator's email, in the brand's name (`admin@slipway.local` by default). */
export const adminEmail = (brand: Brand): string => `admin@${brand.cliCommand}.local`;
/** Lines per drain send: one HTTPS request, one TCP write (logplex posts at most a few hundred). */
const DRAIN_BATCH_LINES = 200;

export interface ControlPlane {
  url: string;
  /** The operator's /metrics (disk pressure), or null when its port was taken. */
  metricsUrl: string | null;
  services: Services;
  localHosts: LocalHostProvider | null;
  /** Stops everything, in order; resolves with the names of the steps that failed (each logged). */
  stop(): Promise<string[]>;
}

export interface ControlPlaneOverrides {
  /** Where account emails go (tests read them); default: the platform's mail delivery. */
  accountMailer?: AccountMailer;
  /** A builder other than buildpacks/ (tests). */
  builder?: Builder;
  /** Where agent lines go (default: this process's stdout, already JSON). */
  onAgentLine?: (hostId: string, line: string) => void;
  /** The engine group's Auto Scaling API with SLIPWAY_HOST_PROVIDER=aws (default: the AWS SDK's). */
  autoScaling?: AutoScalingApi;
  /** The time plans count by: the month of build minutes, how far back logs reach (tests). */
  planClock?: () => number;
}

/** A second connection to the same Redis (for blocking reads), ready to take commands: the
 *  client refuses commands while it connects (no offline queue). */
async function connectedDuplicate(redis: Redis): Promise<Redis> {
  const duplicate = redis.duplicate();
  if (duplicate.status === 'wait') await duplicate.connect();
  else if (duplicate.status !== 'ready') await once(duplicate, 'ready');
  return duplicate;
}

function hostCapacity() {
  return { memoryMb: Math.floor(totalmem() / 1024 / 1024), cpus: cpus().length };
}

export async function startControlPlane(config: ControlPlaneConfig, logger: Logger, overrides: ControlPlaneOverrides = {}): Promise<ControlPlane> {
  // While Redis is away, commands fail at once instead of queueing (the API answers 503 and
  // the scheduler's next pass retries); the client reconnects by itself.
  const redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await redis.connect();
  let redisDownSince = 0;
  redis.on('error', (err: Error) => {
    if (redisDownSince === 0) logger.error({ err }, 'Redis connection lost; reconnecting');
    redisDownSince ||= Date.now();
  });
  redis.on('ready', () => {
    if (redisDownSince !== 0) logger.info({ downMs: Date.now() - redisDownSince }, 'Redis connection back');
    redisDownSince = 0;
  });
  const nats: NatsConnection = await connect({ ...natsServerOptions(config.natsUrl), name: 'slipway-control-plane', maxReconnectAttempts: -1 });

  await ensureLogStream(nats, { ...config.logStream, maxAgeHours: longestLogRetentionHours(config.plans) });
  const users = new UserStore(redis, config.brand.tokenPrefix);
  const apps = new AppStore(redis, config.build.defaultStack);
  const teams = new TeamStore(redis);
  const releases = new ReleaseStore(redis);
  const builds = new BuildStore(redis);
  const instances = new InstanceStore(redis);
  const hosts = new HostStore(redis);
  const certificates = new CertificateStore(redis, nats);
  const acmStore = new AcmStore(redis);
  const appLog = natsAppLogger(nats);
  const agents = new NatsAgentClient(nats);
  const routes = new RoutePublisher(redis, nats);

  const oneOffStore = new OneOffStore(redis);
  const addonStore = new AddonStore(redis);
  // metered as it happens: dynos through their records, one-offs as they end, builds by the pipeline
  const dynoMetrics = new DynoMetricsStore(redis, instances, config.metricsRetentionMs);
  const routerTraffic = new RouterTrafficStore(redis, config.metricsRetentionMs);
  const usage = new Usage({ redis, apps, instances, addons: addonStore, warn: (message, context) => logger.warn(context, message) });
  oneOffStore.onRemoved = (record) => usage.oneOffEnded(record).catch((err: unknown) => logger.warn({ err, run: record.runId }, 'metering a one-off failed'));
  const reconciler = new Reconciler({
    apps,
    releases,
    instances,
    hosts,
    agents,
    routes,
    appLog,
    logger: logger.child({ part: 'scheduler' }),
    appsDomain: config.appsDomain,
    bootTimeoutSeconds: config.scheduler.bootTimeoutSeconds,
    startupCpuBoost: config.scheduler.startupCpuBoost,
    stopGraceSeconds: config.scheduler.stopGraceSeconds,
    drainMs: config.scheduler.drainMs,
    oneOffMemory: () => oneOffStore.memoryByHost(),
    addonLinks: (appId) => addonStore.links(appId),
    // Personal apps stop while an operator has suspended their owner; team apps are the team's.
    ownerSuspended: async (app) => !app.teamId && Boolean((await users.get(app.ownerId))?.disabledAt),
  });
  const membership = new Membership({ hosts, instances, agents, converger: reconciler, logger: logger.child({ part: 'hosts' }), hostDownAfterMs: config.scheduler.hostDownAfterMs, appLog });

  const buildpackRegistry = await (await import('../buildpacks/index.js')).loadBuildpackRegistry(config.build.buildpackRegistryFile);
  // Loaded only when used: tests that bring their own builder need no Docker or stack.
  const builder: Builder =
    overrides.builder ??
    new (await import('./builds/buildpacks-builder.js')).BuildpacksBuilder(
      new Docker(),
      (await import('../buildpacks/index.js')).builderConfig({
        registry: config.registry,
        registryAuthFile: config.registryAuthFile ?? undefined,
        registryInsecure: config.registryInsecure,
        appRepositoryPrefix: config.registryRepositories.appPrefix,
        stackRepository: config.registryRepositories.stack,
        baseDir: config.home,
        workDir: config.build.workDir,
        cacheDir: config.build.cacheDir,
        caFile: config.build.caFile,
        npmRegistry: config.build.npmRegistry,
        stackImages: config.build.stackImages,
        pypiIndexUrl: config.build.pypiIndexUrl,
        goProxy: config.build.goProxy,
        mavenRepository: config.build.mavenRepository,
        limits: config.build.limits,
        dockerCli: config.build.dockerCli,
        dockerBaseMirror: config.build.dockerBaseMirror,
        log: config.build.log,
        buildpackRegistry: { ...buildpackRegistry },
        buildpackFetch: config.build.buildpackFetch,
        platformName: config.brand.name,
      }),
      logger.child({ part: 'builder' }),
      config.build.defaultStack,
    );
  const attachSessions = new AttachSessions(redis);
  const logSessions = new LogSessions(redis);
  const oneOffs = new NatsOneOffRunner({ nats, agents, hosts, instances, logger: logger.child({ part: 'one-offs' }), oneOffMemory: () => oneOffStore.memoryByHost(), addonLinks: (appId) => addonStore.links(appId) });
  const releaseLogger = logger.child({ part: 'releases' });
  const releaseOutputs = new ReleaseOutputStore(redis);
  const leases = new BuildLeases(redis);
  const plans = new PlanGate({ catalogue: config.plans, assignments: new PlanAssignments(redis), apps, oneOffs: oneOffStore, leases, redis, now: overrides.planClock });
  // free-tier sleep: only with a waker for the routers to send a sleeping app's requests to
  const appSleep = config.sleep
    ? new AppSleep({ apps, instances, plans, traffic: routerTraffic, converger: reconciler, redis, appLog, logger: logger.child({ part: 'sleep' }) })
    : null;
  const waker = appSleep
    ? new Waker({ apps, instances, hosts, sleep: appSleep, appsDomain: config.appsDomain, bootTimeoutMs: config.scheduler.bootTimeoutSeconds * 1000 + 10_000, logger: logger.child({ part: 'waker' }) })
    : null;
  const releaser = new Releaser(apps, releases, {
    firstWebQuantity: (app) => plans.firstWebQuantity(app),
    tagImage: (image, tag) => builder.tagImage(image, tag),
    rollOut: (appId) => void reconciler.convergeApp(appId),
    runReleasePhase: releasePhaseRunner(oneOffs, apps, releaseOutputs, config.releasePhaseTimeoutSeconds),
    warn: (message, context) => releaseLogger.warn(context, message),
  }, config.configLimits, config.images.keepReleases);

  let url = '';
  const urls: ApiUrls = { git: '', appsDomain: config.appsDomain, router: config.routerUrl };
  const owner = await controlPlaneId(config.home);
  const pipeline = new DeployPipeline({
    apps,
    builds,
    leases,
    owner,
    concurrency: config.build.concurrency,
    leaseRenewMs: BUILD_LEASE_MS / 3,
    releases,
    instances,
    releaser,
    builder,
    logger: logger.child({ part: 'deploy' }),
    webUrl: (app) => webUrl(app, urls),
    rolloutTimeoutMs: (config.scheduler.bootTimeoutSeconds + 60) * 1000,
    appLog,
    plans,
    usage,
    brand: { name: config.brand.name, cli: config.brand.cliCommand },
  });

  const repos = new GitRepos(config.gitRoot);
  await repos.prepare();

  const natsUsers = config.natsAuth
    ? new NatsHostUsers(config.natsAuth, hosts, logger.child({ part: 'nats-users' }), { enrollPassword: config.aws?.enrollmentSecret ?? null })
    : null;
  await natsUsers?.sync();
  const agentNatsServer = natsServerOptions(config.natsUrl).servers;

  let localHosts: LocalHostProvider | null = null;
  let provider: HostProvider | null = null;
  let enrollment: EnrollmentHandler | null = null;
  if (config.aws) {
    // Loaded only when used: the AWS SDK is large.
    const { awsHosts } = await import('./hosts/aws-hosts.js');
    ({ provider, enrollment } = await awsHosts(config.aws, { redis, hosts, natsUsers, logger, autoScaling: overrides.autoScaling }));
  } else if (config.localHosts.count > 0) {
    localHosts = new LocalHostProvider({
      dir: config.localHosts.dir,
      nodePath: process.execPath,
      agentEntry: config.localHosts.agentEntry ?? compiledEntry(import.meta.url, '../agent/main.js'),
      // each agent connects as its own NATS user when NATS enforces users
      natsUrl: (hostId, token) => (natsUsers ? natsUrlWithCredentials(agentNatsServer, hostId, token) : agentNatsServer),
      registry: config.registry,
      registryAuthFile: config.registryAuthFile,
      capacity: hostCapacity(),
      stopInstancesOnExit: config.localHosts.stopInstancesOnExit,
      onLine: overrides.onAgentLine ?? ((_hostId, line) => process.stdout.write(`${line}\n`)),
    });
    provider = localHosts;
  }
  const hostService = provider
    ? new HostService({ hosts, instances, converger: reconciler, provider, natsUsers, logger: logger.child({ part: 'hosts' }) })
    : null;
  const inbox = new AgentInbox(nats, membership, logger, enrollment ? (request) => enrollment.respond(request) : null, dynoMetrics);
  const lease = new LeaderLease(redis, keys.schedulerLeader);
  const scheduler = new SchedulerService(membership, reconciler, lease, logger, config.scheduler.reconcileIntervalMs, () => linksAnswer(nats, redis));
  const { registryClient, appRepository } = await import('../buildpacks/index.js');
  const platformRegistry = registryClient({ registry: config.registry, registryAuthFile: config.registryAuthFile ?? undefined, registryInsecure: config.registryInsecure });
  const imageCollector = new ImageCollector({
    apps,
    releases,
    leases,
    registry: platformRegistry,
    keepReleases: config.images.keepReleases,
    repositoryPrefix: config.registryRepositories.appPrefix,
    appRepository: (name) => appRepository(name, config.registryRepositories.appPrefix),
    logger: logger.child({ part: 'images' }),
  });

  // Users push images only through the token server: without it there are none to move or delete.
  const pushedImages = {
    copy: async (oldName: string, newName: string) => (config.registryToken ? copyPushedImages(platformRegistry, oldName, newName) : new Map<string, string>()),
    remove: async (appName: string) => {
      if (config.registryToken) await removePushedImages(platformRegistry, appName);
    },
  };
  const lifecycle = new AppLifecycle({
    apps,
    releases,
    instances,
    certificates,
    routes,
    agents,
    repos,
    converger: reconciler,
    oneOffs: oneOffStore,
    pushedImages,
    purgeAppData: async (appId) => {
      await purgeAppLogs(nats, appId);
      await dynoMetrics.purge(appId);
      await routerTraffic.purge(appId);
      await alertStore.purge(appId);
      // The add-ons it owns go with their data; its attachments to others' add-ons go too.
      const owned = await addonStore.ownedBy(appId);
      await addons.purgeApp(appId, (id) => apps.get(id));
      // and their backups: objects, records, schedules
      for (const addon of owned) await backups.service.purge(addon.id);
      // Images users pushed live under the app's name, which the next owner of the name would reach.
      const app = await apps.get(appId);
      if (app) await pushedImages.remove(app.name).catch((err: unknown) => logger.warn({ err, app: app.name }, 'could not delete the images pushed to the app'));
      await (await import('../buildpacks/index.js')).removeAppCaches(config.build.cacheDir, appId);
    },
    stopGraceSeconds: config.scheduler.stopGraceSeconds,
    admitFormation: (app, before, changed) => plans.admitFormation(app, before, changed),
  });

  const drainStore = new LogDrainStore(redis);
  const drainUrlPolicy = { allowHttp: config.logDrains.allowHttp, addresses: new AddressPolicy(config.logDrains.allowedNetworks) };
  const accessCutoff = new AccessCutoff(nats, logger.child({ part: 'access-cutoff' }));
  // Before the API answers: a cutoff announced by another control plane must reach every stream.
  accessCutoff.start();
  const deliveries = new DeliveryQueue(redis);
  const alertStore = new AlertStore(redis);
  const alertEvaluator = new AlertEvaluator({ redis, alerts: alertStore, traffic: routerTraffic, apps, deliveries, logger: logger.child({ part: 'alerts' }) });
  const accounts = new Accounts(
    users,
    new OneTimeTokens(redis),
    overrides.accountMailer ?? (config.delivery.smtp ? queuedMailer(deliveries, true) : unconfiguredMailer),
    { signup: config.accounts.signup, ...ACCOUNT_LINK_TTLS },
    () => ({ brand: config.brand.name, cli: config.brand.cliCommand, apiUrl: url }),
  );
  const sso = config.accounts.oidc ? await ssoLogin(config.accounts.oidc, { redis, users, apiUrl: () => url }) : null;
  const acm = config.acme
    ? new AcmManager({
        apps,
        store: acmStore,
        certificates,
        issuer: new AcmeIssuer(config.acme, redis, acmStore),
        redis,
        logger: logger.child({ part: 'acm' }),
        appLog,
        policy: { ...DEFAULT_ACM_POLICY, retryMs: config.acme.retryMs },
      })
    : null;
  const partnerServices = new PartnerServiceStore(redis);
  const partnerAddons = new PartnerAddons({
    store: addonStore,
    services: partnerServices,
    client: new HttpPartnerClient(config.partnerAddons.timeoutMs),
    retry: config.partnerAddons.retry,
    releaser,
    logger: logger.child({ part: 'partner-addons' }),
    apiUrl: () => url,
    callTimeoutMs: config.partnerAddons.timeoutMs,
    oauth: new PartnerOAuth({ tokens: new PartnerOAuthStore(redis), services: partnerServices, addons: addonStore, lifetimes: config.partnerAddons.oauth, logger: logger.child({ part: 'partner-oauth' }) }),
  });
  const partnerSweep = new LeasedPass(redis, 'slipway:partner-addons:sweep-lease', 120_000, () => partnerAddons.sweepUnfinished().then(() => undefined), (err) =>
    logger.warn({ err }, 'sweeping unfinished partner add-ons failed'),
  );
  const addons = new Addons({
    store: addonStore,
    partner: partnerAddons,
    meter: usage.addons,
    hosts,
    agents,
    releaser,
    image: builder.addonImage ? (service, plan) => builder.addonImage!(service, plan) : null,
    logger: logger.child({ part: 'addons' }),
    catalogue: config.plans.addonServices,
  });
  const addonStorage = new StorageEnforcement({ store: addonStore, hosts, agents, apps: (id) => apps.get(id), appLog, catalogue: config.plans.addonServices, logger: logger.child({ part: 'addon-storage' }) });
  // a pass takes about half a second per add-on; two at once would only repeat idempotent work
  const addonStoragePass = new LeasedPass(redis, 'slipway:addons:storage-lease', 5 * 60_000, () => addonStorage.pass(), (err) =>
    logger.warn({ err }, 'checking add-ons’ storage failed'),
  );
  const backups = await makeBackups({ config: config.backups, redis, agents, addons: addonStore, logger: logger.child({ part: 'backups' }) });
  const services: Services = {
    users,
    addons,
    partnerAddons,
    backups: backups.service,
    addonStorage,
    accounts,
    sso,
    audit: new AuditLog(redis),
    plans,
    usage,
    dynoMetrics,
    routerTraffic,
    alerting: { store: alertStore, evaluator: alertEvaluator, email: config.delivery.smtp !== null, webhookPolicy: drainUrlPolicy },
    brand: config.brand,
    deliveries,
    apps,
    releases,
    releaseOutputs,
    appTransfers: new AppTransferStore(redis),
    teams,
    access: new AppAccess(apps, teams),
    releasePhaseTimeoutSeconds: config.releasePhaseTimeoutSeconds,
    appLog,
    builds,
    instances,
    hosts,
    certificates,
    acm,
    acmStore: acmStore,
    releaser,
    converger: reconciler,
    lifecycle,
    detachedRuns: new DetachedRuns({ runner: oneOffs, store: oneOffStore, releases, agents, appLog, stopGraceSeconds: config.scheduler.stopGraceSeconds }),
    oneOffs: oneOffStore,
    attachSessions,
    rendezvous: config.rendezvous ? { port: config.rendezvous.port, host: config.rendezvous.host } : null,
    logSessions,
    logDrains: new LogDrains(drainStore, { ...drainUrlPolicy, perApp: config.logDrains.perApp }, nats),
    pipeline,
    repos,
    pushSessions: new PushSessions(),
    accessCutoff,
    hostService,
    urls,
    gitRoot: config.gitRoot,
    maxPushBytes: config.maxPushBytes,
    logger,
    buildpackRegistry,
    stackReady: () => builder.ready,
    defaultStack: config.build.defaultStack,
    findPushedImage: (appName, type, dockerImage) => findPushedImage(platformRegistry, appName, type, dockerImage),
  };

  if (config.bootstrapAdminToken) await ensureAdmin(users, config.bootstrapAdminToken, logger, adminEmail(config.brand));

  // Builds this control plane held when it last stopped are orphans now; others' once their
  // lease runs out (their control plane stopped renewing it).
  const orphans: OrphanDeps = { leases, builds, builder, logger: logger.child({ part: 'builds' }) };
  await reclaimOrphanBuilds(orphans, owner);
  const orphanSweep = setInterval(() => {
    reclaimOrphanBuilds(orphans, null).catch((err: unknown) => logger.warn({ err }, 'reclaiming orphaned builds failed'));
  }, BUILD_LEASE_MS);
  const registryTokens = config.registryToken
    ? { registry: config.registry, signer: await RegistryTokenSigner.load(config.registryToken), repositories: config.registryRepositories, platformCredentialsFile: config.registryAuthFile }
    : undefined;
  const api = createApi(services, {
    maxBodyBytes: config.api.maxBodyBytes,
    logTailsPerUser: config.logs.tailsPerUser,
    pushUrl: () => url,
    nats,
    stateStoreUp: () => redis.status === 'ready',
    registryTokens,
    ...(config.api.rateLimitPerHour > 0 ? { rateLimit: { redis, perHour: config.api.rateLimitPerHour } } : {}),
    ...(config.accounts.rateLimitPerHour > 0 ? { accountRateLimit: { redis, perHour: config.accounts.rateLimitPerHour } } : {}),
  });
  // Slow clients (headers or bodies trickled in) are cut off with a 408 instead of holding a
  // socket forever; responses may stream as long as they need (a push's build, a log tail).
  const timeouts = {
    headersTimeout: config.api.headersTimeoutMs,
    requestTimeout: config.api.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, config.api.headersTimeoutMs),
  };
  const server: Server = createServer(timeouts, api.callback());
  // The same API (git included) over TLS, for clients that only speak https (Heroku's git remotes).
  const tlsServer = config.api.tls
    ? createHttpsServer({ ...timeouts, cert: await readFile(config.api.tls.certFile), key: await readFile(config.api.tls.keyFile) }, api.callback())
    : null;
  const attachDeps = { sessions: attachSessions, apps, runs: services.detachedRuns, agents, logger: logger.child({ part: 'attach' }) };
  const stopAttachments = [server, tlsServer].filter((s) => s !== null).map((s) => serveAttachments(s, attachDeps));
  const rendezvous = config.rendezvous ? await serveRendezvous({ host: config.api.host, port: config.rendezvous.port, certFile: config.rendezvous.certFile, keyFile: config.rendezvous.keyFile }, attachDeps) : null;
  server.listen(config.api.port, config.api.host);
  await once(server, 'listening');
  if (tlsServer && config.api.tls) {
    tlsServer.listen(config.api.tls.port, config.api.host);
    await once(tlsServer, 'listening');
  }
  const address = server.address() as AddressInfo;
  url = `http://${address.address}:${address.port}`;
  urls.git = url;

  // Where the API is served through the routers too (AWS), it is a route like an app's.
  if (config.api.route) {
    await routes.publish({
      appName: API_ROUTE_NAME,
      hostnames: [config.api.route.hostname],
      backends: [{ instanceId: 'control-plane', address: config.api.route.address, port: address.port }],
    });
  }
  inbox.start();
  scheduler.start();
  const operatorMetrics = await startOperatorMetrics(config, logger);
  const drainForwarder = new LogDrainService({
    nats,
    drains: drainStore,
    apps,
    lease: new LeaderLease(redis, keys.logDrainLeader),
    appLog,
    logger: logger.child({ part: 'log-drains' }),
    registry: operatorMetrics.registry,
    settings: {
      ...drainUrlPolicy,
      bufferLines: config.logDrains.bufferLines,
      batchLines: DRAIN_BATCH_LINES,
      // read once at start-up; undefined: Node's bundled CAs
      ca: config.logDrains.caFile ? await readFile(config.logDrains.caFile, 'utf8') : undefined,
      timeoutMs: 10_000,
      retry: { baseMs: 500, capMs: 10_000 },
    },
    resyncMs: 3_000,
  });
  drainForwarder.start();
  // Webhooks and email: its own connection, which blocks reading the queue.
  const deliveryRedis = await connectedDuplicate(redis);
  const emailSend = config.delivery.smtp ? emailSender(config.delivery.smtp) : null;
  // Alerts' webhooks are URLs users chose: they follow the drains' address rules when sent.
  const userUrlGuard = new UserUrlGuard(drainUrlPolicy.addresses);
  const deliveryWorker = new DeliveryWorker(deliveryRedis, owner, destinationSender(webhookSender(config.delivery.webhookTimeoutMs, userUrlGuard), emailSend), logger.child({ part: 'delivery' }), {
    ...DEFAULT_DELIVERY_SETTINGS,
    maxAttempts: config.delivery.maxAttempts,
    firstRetryMs: config.delivery.firstRetryMs,
    claimIdleMs: config.delivery.webhookTimeoutMs * 3,
  });
  await deliveryWorker.start();
  usage.start(config.usage.flushMs);
  alertEvaluator.start(config.alertIntervalMs);
  acm?.passes.start(config.acme!.intervalMs);
  partnerSweep.start(60_000);
  addonStoragePass.start(config.addonStorageCheckMs);
  backups.start();
  if (waker && config.sleep) {
    await waker.listen(config.sleep.wakePort, config.sleep.wakeBind);
    appSleep!.passes.start(config.sleep.checkIntervalMs);
  }
  // routers' windows of their apps' traffic: one control plane keeps each (a queue group)
  const trafficSubscription = nats.subscribe(subjects.routerTraffic, {
    queue: 'slipway-control-plane',
    callback: (err, msg) => {
      if (err) return;
      let traffic;
      try {
        traffic = decode(routerTrafficSchema, msg.data);
      } catch {
        return logger.warn('ignored malformed router traffic');
      }
      // acknowledged once kept, metrics and usage both: the router sends it again until then
      const kept = traffic;
      Promise.all([routerTraffic.add(kept, async (appId) => (await apps.get(appId)) !== null), usage.routerWindow(kept)])
        .then(() => msg.respond(encode({ ok: true })))
        .catch((error: unknown) => logger.warn({ err: error }, 'keeping router traffic failed'));
    },
  });
  const billing = config.usage.billingWebhook ? new BillingForwarder(await connectedDuplicate(redis), deliveries, config.usage.billingWebhook, owner, logger.child({ part: 'billing' })) : null;
  await billing?.start();
  const stopImageCollection = scheduleImageCollection(imageCollector, { intervalMs: config.images.collectIntervalMs, isLeader: () => lease.isLeader, logger });
  if (hostService && localHosts) {
    await localHosts.resume();
    const existing = (await hosts.list()).filter((h) => h.provider === 'local');
    if (existing.length < config.localHosts.count) await hostService.add(config.localHosts.count - existing.length);
  }
  let stopping = false;
  // stop() stops the preparation: its failure then is no news
  void builder.prepare().catch((err: unknown) => stopping || logger.error({ err }, 'preparing the stack failed'));
  logger.info({ url }, 'control plane listening');

  return {
    url,
    metricsUrl: operatorMetrics.url,
    services,
    localHosts,
    async stop() {
      stopping = true;
      // The agents' stop (which stops the app containers) comes last but one, and runs even if a step before it fails.
      return runShutdownSteps(
        [
          {
            name: 'timers and attachments',
            run: () => {
              clearInterval(orphanSweep);
              for (const stop of stopAttachments) stop();
            },
          },
          { name: 'rendezvous', run: () => rendezvous?.close() },
          {
            name: 'API servers',
            run: () => {
              for (const s of [server, tlsServer]) {
                s?.close();
                s?.closeAllConnections();
              }
            },
          },
          { name: 'inbox', run: () => inbox.stop() },
          { name: 'access cutoff', run: () => accessCutoff.stop() },
          { name: 'image collection', run: () => stopImageCollection() },
          { name: 'drain forwarder', run: () => drainForwarder.stop() },
          { name: 'alert evaluator', run: () => alertEvaluator.stop() },
          { name: 'certificates', run: () => acm?.passes.stop() },
          { name: 'partner sweep', run: () => partnerSweep.stop() },
          { name: 'add-on storage pass', run: () => addonStoragePass.stop() },
          { name: 'backups', run: () => backups.stop() },
          { name: 'app sleep', run: () => appSleep?.passes.stop() },
          { name: 'waker', run: () => waker?.close() },
          { name: 'traffic subscription', run: () => trafficSubscription.unsubscribe() },
          { name: 'usage', run: () => usage.stop() },
          { name: 'billing', run: () => billing?.stop() },
          { name: 'delivery worker', run: () => deliveryWorker.stop() },
          { name: 'email', run: () => emailSend?.close() },
          { name: 'user URL guard', run: () => userUrlGuard.close() },
          { name: 'delivery Redis', run: () => deliveryRedis.disconnect() },
          { name: 'operator metrics', run: () => operatorMetrics.stop() },
          { name: 'scheduler', run: () => scheduler.stop() },
          { name: 'builder', run: () => builder.close?.() },
          // A run the agent still works on is its to finish: its own stop waits for it, then stops it.
          { name: 'reconciler', run: () => reconciler.settle(), timeoutMs: 20_000 },
          // Each agent's stop ends in SIGKILL after 60 s.
          { name: 'local agents', run: () => localHosts?.stopAll(), timeoutMs: 70_000 },
          { name: 'NATS', run: () => nats.drain().catch(() => {}) }, // already closed: nothing left to deliver
          { name: 'Redis', run: () => redis.disconnect() },
        ],
        (name, err) => logger.error({ step: name, err: describeError(err) }, 'a step of the stop failed: the next ones run anyway'),
      );
    },
  };
}

/** The operator's first user and token; a bootstrap token revoked since stays revoked. */
async function ensureAdmin(users: UserStore, token: string, logger: Logger, email: string): Promise<void> {
  const admin = (await users.getByEmail(email)) ?? (await users.create(email, true));
  const adoption = await users.adoptTokenOnce(admin.id, token, 'bootstrap admin token');
  if (adoption === 'adopted before' && !(await users.authenticate(token))) {
    logger.warn('the bootstrap admin token (SLIPWAY_BOOTSTRAP_ADMIN_TOKEN) was revoked: it is not adopted again');
  }
}
