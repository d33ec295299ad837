// What request handlers may use: stores and services, built once by platform.ts (startControlPlane).
import type { AcmManager } from './acme/manager.js';
import type { AcmStore } from './acme/store.js';
import type { Addons } from './addons/service.js';
import type { PartnerAddons } from './partner-addons/service.js';
import type { Backups } from './backups/service.js';
import type { StorageEnforcement } from './addons/storage-enforcement.js';
import type { AttachSessions } from './one-offs/attach.js';
import type { DetachedRuns } from './one-offs/detached.js';
import type { OneOffStore } from './store/one-offs.js';
import type { Logger } from '../common/logger.js';
import type { AccessCutoff } from './auth/access-cutoff.js';
import type { AppLifecycle } from './apps/lifecycle.js';
import type { AppLogger } from './app-logs.js';
import type { Accounts } from './accounts/service.js';
import type { SsoLogin } from './accounts/sso-login.js';
import type { AuditLog } from './audit/audit-log.js';
import type { Brand } from '../common/brand.js';
import type { PlanGate } from './plans/gate.js';
import type { Usage } from './usage/service.js';
import type { DynoMetricsStore } from './metrics/dyno-metrics.js';
import type { AlertStore } from './alerts/store.js';
import type { AlertEvaluator } from './alerts/evaluator.js';
import type { DrainUrlPolicy } from './drains/url.js';
import type { RouterTrafficStore } from './metrics/router-traffic.js';
import type { DeliveryQueue } from './delivery/queue.js';
import type { DeployPipeline } from './builds/pipeline.js';
import type { CertificateStore } from './certificates/store.js';
import type { GitRepos } from './git/repos.js';
import type { PushSessions } from './git/push-sessions.js';
import type { ApiUrls } from './http/representations.js';
import type { HostService } from './hosts/service.js';
import type { Releaser } from './releases/service.js';
import type { PushedImage } from './registry/pushed-images.js';
import type { Converger } from './converger.js';
import type { LogSessions } from './logs/sessions.js';
import type { LogDrains } from './drains/drains.js';
import type { AppAccess } from './apps/access.js';
import type { TeamStore } from './store/teams.js';
import type { AppStore } from './store/apps.js';
import type { BuildStore } from './store/builds.js';
import type { HostStore } from './store/hosts.js';
import type { InstanceStore } from './store/instances.js';
import type { ReleaseOutputStore } from './store/release-output.js';
import type { AppTransferStore } from './store/app-transfers.js';
import type { ReleaseStore } from './store/releases.js';
import type { UserStore } from './store/users.js';

export interface Services {
  /** The provider's brand: its name in messages, its CLI's command, its token prefix. */
  brand: Brand;
  users: UserStore;
  /** Self-service sign-up, email confirmation, passwords, invitations. */
  accounts: Accounts;
  /** Sign-in through the provider's identity provider (OpenID Connect), when configured. */
  sso: SsoLogin | null;
  /** Who did what, when and from where (every change the API is asked for). */
  audit: AuditLog;
  /** What each account's plan allows, checked where it is taken. */
  plans: PlanGate;
  /** Dynos' memory and CPU over time, as agents sample them. */
  dynoMetrics: DynoMetricsStore;
  /** Alerts on apps' traffic: the store, the evaluator, whether email can be sent, which webhook URLs are allowed. */
  alerting: { store: AlertStore; evaluator: AlertEvaluator; email: boolean; webhookPolicy: DrainUrlPolicy };
  /** Apps' traffic through the routers, window by window. */
  routerTraffic: RouterTrafficStore;
  /** Metered usage: the ledger, written as dynos, one-offs and builds run. */
  usage: Usage;
  /** Outbound signed webhooks and email, durable and retried (delivery/queue.ts). */
  deliveries: DeliveryQueue;
  apps: AppStore;
  /** Add-ons (PostgreSQL, Redis) and their attachments to apps. */
  addons: Addons;
  /** Third-party add-on services (partners) and the calls to them. */
  partnerAddons: PartnerAddons;
  /** PostgreSQL add-ons' backups (pg:backups). */
  backups: Backups;
  /** PostgreSQL add-ons' storage held against their plans (absent: not enforced, as in tests without agents). */
  addonStorage?: StorageEnforcement;
  releases: ReleaseStore;
  appTransfers: AppTransferStore;
  teams: TeamStore;
  /** Who may do what to an app (roles: apps/roles.ts). */
  access: AppAccess;
  /** Release phase output, for Heroku's output_stream_url. */
  releaseOutputs: ReleaseOutputStore;
  releasePhaseTimeoutSeconds: number;
  /** Platform events in an app's log (apps/platform-events.ts words them). */
  appLog: AppLogger;
  builds: BuildStore;
  instances: InstanceStore;
  hosts: HostStore;
  certificates: CertificateStore;
  /** Automated Certificate Management (null: no ACME CA configured, not offered). */
  acm: AcmManager | null;
  /** ACM: the domains' states, and the HTTP-01 challenges being answered (the routers send /.well-known/acme-challenge here). */
  acmStore: AcmStore;
  releaser: Releaser;
  converger: Converger;
  lifecycle: AppLifecycle;
  /** One-off dynos (`run:detached`) and the store of the running ones. */
  detachedRuns: DetachedRuns;
  oneOffs: OneOffStore;
  attachSessions: AttachSessions;
  /** Heroku's rendezvous for attached runs (its port, and the host its URLs name; null: the request's), when served. */
  rendezvous: { port: number; host: string | null } | null;
  /** Heroku's log sessions: URLs that stream an app's log without a token. */
  logSessions: LogSessions;
  /** Heroku's log drains of apps (the forwarder runs apart, in drains/service.ts). */
  logDrains: LogDrains;
  pipeline: DeployPipeline;
  repos: GitRepos;
  pushSessions: PushSessions;
  /** Ends open streams (log tails) of a disabled account or a revoked token. */
  accessCutoff: AccessCutoff;
  hostService: HostService | null;
  urls: ApiUrls;
  gitRoot: string;
  /** Largest pack a push may send (git's receive.maxInputSize). */
  maxPushBytes: number;
  logger: Logger;
  /** Buildpacks the operator registered by name (name -> git or tarball URL). */
  buildpackRegistry: Readonly<Record<string, string>>;
  /** Whether the builder's stack is ready (health). */
  stackReady(): boolean;
  /** The stack new apps get (SLIPWAY_DEFAULT_STACK). */
  defaultStack: string;
  /** An image pushed to `<registry>/<app>/<type>`, by image id or manifest digest (a container release). */
  findPushedImage(appName: string, type: string, dockerImage: string): Promise<PushedImage>;
}
