// Every Platform API response shape, in one place: the control plane builds them
// (control-plane/http/representations.ts) and the CLI reads them, both typed from here.
// Heroku Platform API v3 names where the resource mirrors Heroku's; snake_case throughout.
import type { BuildStatus, DynoSize, HostState, InstanceState, ReleaseStatus } from './types.js';

export interface AppRef {
  id: string;
  name: string;
}

/** A stack (Heroku's shape): `default` is the one new apps get. */
export interface StackJson {
  id: string;
  name: string;
  state: 'active';
  default: boolean;
}

export interface StackRefJson {
  id: string;
  name: string;
}

export interface AppJson {
  id: string;
  name: string;
  owner: { id: string; email: string | null };
  /** The stack the current release runs on. */
  stack: StackRefJson;
  /** The stack the next build uses (`stack:set` changes it; the current release keeps its own). */
  build_stack: StackRefJson;
  maintenance: boolean;
  /** Seconds between SIGTERM and SIGKILL when its processes stop (null: the platform's default). */
  stop_timeout_seconds: number | null;
  git_url: string;
  web_url: string;
  /** The platform's one region (see RegionJson). */
  region: { id: string; name: string };
  /** Heroku's fields that Slipway has no use for, with the values Heroku's clients expect. */
  create_status: 'complete';
  /** Automated Certificate Management: its custom domains get certificates over ACME. */
  acm: boolean;
  space: null;
  /** The team that owns the app; null: a personal app. */
  team: AppRef | null;
  internal_routing: null;
  archived_at: null;
  /** Not measured (null, as Heroku's for an app never built). */
  repo_size: null;
  slug_size: null;
  created_at: string;
  updated_at: string;
}

/** Heroku's region: Slipway has one, the platform itself. */
export interface RegionJson {
  id: string;
  name: string;
  description: string;
  country: string | null;
  locale: string | null;
  private_capable: boolean;
  provider: { name: string; region: string };
  created_at: string;
  updated_at: string;
}

export interface ReleaseJson {
  id: string;
  version: number;
  description: string;
  status: ReleaseStatus;
  current: boolean;
  app: AppRef;
  slug: { id: string } | null;
  image: { repository: string; digest: string } | null;
  process_types: Record<string, string>;
  build: { id: string } | null;
  /** The stack its image was built on; null without an image (or a release from before stacks were recorded). */
  stack: StackRefJson | null;
  /** Whether a rollback may copy it: it has code (an image) and did not fail. */
  eligible_for_rollback: boolean;
  /** Heroku's: add-ons attached when it was cut (Slipway has none yet). */
  addon_plan_names: string[];
  /** Who cut it: not recorded (null). */
  user: null;
  /** Heroku's: what the release phase printed, as text followed live while pending (no credentials needed); null without a release phase. */
  output_stream_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface BuildJson {
  id: string;
  app: AppRef;
  status: BuildStatus;
  source_blob: { version: string };
  buildpacks: { name: string }[];
  release: { version: number } | null;
  failure: string | null;
  /** The stack it was built on (Heroku's build `stack`: the name); null on builds from before stacks were recorded. */
  stack: string | null;
  created_at: string;
  updated_at: string;
}

export interface FormationJson {
  app: AppRef;
  type: string;
  quantity: number;
  size: DynoSize;
  command: string | null;
}

export interface DynoJson {
  id: string;
  name: string;
  type: string;
  state: InstanceState;
  app: AppRef;
  release: { version: number };
  host: { id: string };
  port: number | null;
  exit_code: number | null;
  reason: string | null;
  restarts: number;
  command: string | null;
  size: DynoSize;
  created_at: string;
  updated_at: string;
}

export interface HostJson {
  id: string;
  provider: string;
  state: HostState;
  address: string;
  capacity: { memory_mb: number; cpus: number };
  instances: number;
  last_heartbeat: string | null;
  created_at: string;
}

export interface AccountJson {
  id: string;
  email: string;
  admin: boolean;
  created_at: string;
  /** When an operator disabled the account (its tokens are refused), or null (Heroku's suspended_at). */
  disabled_at: string | null;
}

/** A user just created: the only time its first token's plaintext is shown. */
export interface NewUserJson extends AccountJson {
  token: string;
}

export interface TokenJson {
  id: string;
  description: string;
  created_at: string;
}

/** A token just issued: the only time its plaintext is shown. */
export interface NewTokenJson extends TokenJson {
  token: string;
}

/** Heroku's OAuth authorization, for the API tokens a user holds. Tokens are kept hashed, so
 *  the token itself never appears (Heroku's `access_token` is null here). */
export interface AuthorizationJson {
  id: string;
  description: string;
  scope: ['global'];
  /** The token itself only in the answer that creates it; redacted after (it is kept hashed). */
  access_token: { id: string; token: string; expires_in: null } | null;
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
}

/** Who may change an app: its owner and collaborators (Heroku's collaborator). */
export interface CollaboratorJson {
  id: string;
  app: AppRef;
  user: { id: string; email: string; federated: false };
  /** `owner` of a personal app, `collaborator`, or the role held in the app's team. */
  role: 'owner' | 'collaborator' | 'admin' | 'member' | 'viewer';
  permissions: [];
  created_at: string;
  updated_at: string;
}

/** Heroku's log session: a URL (no credentials needed, valid a few minutes) that streams the
 *  app's log as server-sent events. */
export interface LogSessionJson {
  id: string;
  logplex_url: string;
  created_at: string;
  updated_at: string;
}

/** What an add-on's server says of itself (`pg:info`, `redis:info`). */
export interface AddonInfoJson {
  addon: { id: string; name: string };
  service: 'postgresql' | 'redis';
  plan: string;
  version: string;
  /** PostgreSQL: the database's size; Redis: the memory in use */
  data_size_bytes: number;
  connections: number;
  /** PostgreSQL's tables (null for Redis) */
  tables: number | null;
  /** Redis's keys (null for PostgreSQL) */
  keys: number | null;
  /** Slipway's: what its volume holds (PostgreSQL: with its WAL and template databases) */
  storage_used_bytes?: number | null;
  /** the plan's storage: PostgreSQL's database size (data_size_bytes) is held against it */
  storage_limit_mb?: number | null;
  max_connections?: number | null;
  /** Slipway's, PostgreSQL: its writes against its plan's storage (Heroku's "Over Plan Capacity:
   *  Access Restricted" when revoked: INSERT, UPDATE and CREATE refused; reads, DELETE and TRUNCATE
   *  work); null for other services */
  write_access?: 'granted' | 'revoked' | null;
  /** when write access last changed (null: never) */
  write_access_changed_at?: string | null;
}

/** Heroku's app feature: one the app may switch on (`features:enable`). */
export interface AppFeatureJson {
  id: string;
  name: string;
  display_name: string;
  description: string;
  doc_url: string;
  enabled: boolean;
  state: 'general' | 'beta' | 'alpha';
  feedback_email: string | null;
  created_at: string;
  updated_at: string;
}

export interface DomainJson {
  /** Derived from the app and hostname (Heroku's domains have ids; Slipway keys them by hostname). */
  id: string;
  hostname: string;
  /** Heroku's names: `heroku` is the app's default hostname under the apps domain. */
  kind: 'heroku' | 'custom';
  /** Where a custom domain's DNS should point (a CNAME to the default hostname); null for that one. */
  cname: string | null;
  /** Heroku's provisioning status: routes are live at once here, so always `none`. */
  status: 'none';
  app: AppRef;
  /** The certificate serving it, if any (Slipway picks it by hostname). */
  sni_endpoint: { id: string; name: string } | null;
  /** Automated Certificate Management's state for a custom domain of an app with ACM on
   *  (null: waiting, or ACM off): `verified` (in progress), `cert issued`, `failing`, `failed`. */
  acm_status: 'verified' | 'cert issued' | 'failing' | 'failed' | null;
  /** Why the last order failed, in words; null when none did. */
  acm_status_reason: string | null;
  updated_at: string | null;
}

/** Heroku's SNI endpoint: a certificate for some of the app's custom domains (`domains`:
 *  their hostnames). `name` is its id (Heroku names them; the CLI addresses them by name). */
export interface SniEndpointJson {
  id: string;
  name: string;
  display_name: null;
  app: AppRef;
  domains: string[];
  ssl_cert: {
    id: string;
    cert_domains: string[];
    expires_at: string;
    starts_at: string | null;
    issuer: string | null;
    subject: string | null;
    'ca_signed?': boolean;
    /** Issued by Automated Certificate Management (not uploaded). */
    acm: boolean;
    fingerprint: string;
  };
  created_at: string;
  updated_at: string;
}

export type ConfigVarsJson = Record<string, string>;

/** Heroku's buildpack-installation: one buildpack of the app, by position (ordinal, from 0). */
export interface BuildpackInstallationJson {
  ordinal: number;
  buildpack: { url: string; name: string };
}

/** Heroku's log-drain: where an app's log lines are forwarded. Its token is in every line sent. */
export interface LogDrainJson {
  id: string;
  url: string;
  /** `d.<uuid>`: the syslog HOSTNAME and the Logplex-Drain-Token of what the drain receives */
  token: string;
  /** Heroku's add-on drains; Slipway has none */
  addon: null;
  app: AppRef;
  created_at: string;
  updated_at: string;
}

/** Heroku's add-on service (`GET /addon-services`): PostgreSQL and Redis, run by the platform. */
export interface AddonServiceJson {
  id: string;
  name: string;
  human_name: string;
  cli_plugin_name: null;
  state: 'ga';
  supports_multiple_installations: true;
  supports_sharing: true;
  created_at: string;
  updated_at: string;
}

export interface AddonPriceJson {
  cents: number;
  contract: false;
  unit: 'month';
}

/** Heroku's add-on plan; Slipway's carry their size too. */
export interface AddonPlanJson {
  id: string;
  name: string;
  human_name: string;
  description: string;
  addon_service: { id: string; name: string };
  default: boolean;
  price: AddonPriceJson;
  state: 'public';
  visible: true;
  compliance: null;
  installable_inside_private_network: false;
  installable_outside_private_network: true;
  space_default: false;
  /** the server's size (built-in services; a third-party service's plans have none) */
  memory_mb?: number;
  cpus?: number;
  /** Slipway's: PostgreSQL's max_connections, Redis's maxclients */
  max_connections?: number;
  /** Slipway's: the data the plan holds (measured, reported in addons:info) */
  storage_mb?: number;
  /** Slipway's: the server's major version the plan names (PostgreSQL: '15'); absent: its stack's */
  version?: string;
  /** Slipway's: the stack (Debian release) the plan's server is built on; absent: the platform's default */
  stack?: string;
  /** Slipway's: backups kept */
  backup_retention?: number;
  created_at: string;
  updated_at: string;
}

/** Heroku's add-on: one server (a PostgreSQL or Redis of a plan) owned by one app. */
export interface AddonJson {
  id: string;
  name: string;
  addon_service: { id: string; name: string };
  /** with its price, which Heroku's clients read when they ask for the plan's expansion */
  plan: { id: string; name: string; price: AddonPriceJson };
  app: AppRef;
  /** the config vars its attachments set on the owning app */
  config_vars: string[];
  state: 'provisioning' | 'provisioned' | 'deprovisioned';
  /** Slipway's: unavailable while the host holding its data is down or gone (it moves only when an operator moves it) */
  availability?: 'available' | 'unavailable';
  unavailable_reason?: string | null;
  /** Slipway's, PostgreSQL: its writes against its plan's storage (Heroku's "Over Plan Capacity:
   *  Access Restricted" when revoked: INSERT, UPDATE and CREATE refused; reads, DELETE and TRUNCATE
   *  work); null for other services */
  write_access?: 'granted' | 'revoked' | null;
  /** when write access last changed (null: never) */
  write_access_changed_at?: string | null;
  billed_price: AddonPriceJson;
  actions: [];
  provider_id: string;
  web_url: null;
  created_at: string;
  updated_at: string;
}

/** Slipway's `addons:move` (operators): the add-on as it is now, and the hosts it left and went to. */
export interface AddonMoveJson {
  addon: AddonJson;
  from_host: string;
  to_host: string;
}

/** A registered third-party add-on service: its manifest without the password and SSO salt. */
export interface PartnerAddonServiceJson {
  id: string;
  name: string;
  api_version: '3';
  regions: string[];
  requires: string[];
  config_vars: string[];
  base_url: string;
  sso_url: string;
  plans: { name: string; description: string | null; price: AddonPriceJson; default: boolean }[];
  /** where the partner exchanges its provisioning grants and refresh tokens (Heroku's id.heroku.com/oauth/token) */
  oauth_token_url: string;
  /** the OAuth client secret, only in the answer that made it (registration, rotation): kept hashed */
  client_secret?: string;
  created_at: string;
}

/** The token endpoint's answer to a partner (Heroku's): an access token for one add-on, and the
 *  refresh token that gets it new ones. */
export interface PartnerOAuthTokenJson {
  access_token: string;
  refresh_token: string;
  /** seconds */
  expires_in: number;
  token_type: 'Bearer';
}

/** `addons:open`: a one-time URL whose page sends the browser on to the partner (single sign-on). */
export interface AddonOpenJson {
  web_url: string;
  expires_at: string;
}

/** Heroku's partner-facing config entry (`PATCH /addons/{id}/config`). */
export interface PartnerConfigVarJson {
  name: string;
  value: string;
}

/** Heroku's add-on attachment: an add-on's URL set on one app under one name. */
export interface AddonAttachmentJson {
  id: string;
  /** DATABASE, HEROKU_POSTGRESQL_AMBER, ...: the config var is `<name>_URL` */
  name: string;
  addon: { id: string; name: string; app: AppRef };
  app: AppRef;
  namespace: null;
  web_url: null;
  log_input_url: null;
  created_at: string;
  updated_at: string;
}

/** The one error shape, with the HTTP status that goes with it. */
export interface ErrorJson {
  id: string;
  message: string;
  /** The kind of thing not found, where Heroku's clients look for it (`session`, `authorization`). */
  resource?: string;
}

/** Heroku's team, with the caller's role in it. */
export interface TeamJson {
  id: string;
  name: string;
  /** The caller's role (null: an operator who is not a member). */
  role: 'admin' | 'member' | 'viewer' | null;
  type: 'team';
  default: false;
  membership_limit: null;
  provisioned_licenses: false;
  identity_provider: null;
  enterprise_account: null;
  created_at: string;
  updated_at: string;
}

/** A member of a team (Heroku's team-member). */
export interface TeamMemberJson {
  id: string;
  email: string;
  role: 'admin' | 'member' | 'viewer';
  federated: false;
  two_factor_authentication: false;
  user: { id: string; email: string; name: null };
  created_at: string;
  updated_at: string;
}

/** A revoked token: its id. */
export interface RevokedTokenJson {
  id: string;
}

/** Heroku's app transfer between users. */
export interface AppTransferJson {
  id: string;
  app: AppRef;
  owner: { id: string; email: string | null };
  recipient: { id: string; email: string | null };
  state: 'pending' | 'accepted' | 'declined' | 'cancelled';
  created_at: string;
  updated_at: string;
}

/** An entry of Heroku's buildpack registry, for a name this platform knows (`blob_url`: what to install). */
export interface BuildpackRegistryEntryJson {
  name: string;
  namespace: string;
  blob_url: string;
  description: string;
}

/** An attached one-off dyno as it starts: where to join it (Heroku's rendezvous, or Slipway's WebSocket). */
export interface AttachedDynoJson {
  id: null;
  name: string;
  type: 'run';
  state: 'starting';
  app: AppRef;
  size: DynoSize;
  command: string;
  attach_url: string;
  attach_websocket_url: string;
  created_at: string;
  updated_at: string;
}

/** What running a one-off dyno answers: attached, where to join it; detached, the dyno. */
export type RunDynoJson = AttachedDynoJson | DynoJson;

/** A process type's health check, and where it is set (the API overrides app.json). */
export interface HealthCheckJson {
  process_type: string;
  path: string;
  status: number | null;
  interval: number;
  timeout: number;
  attempts: number;
  source: 'api' | 'app.json';
}

/** Heroku's team permission (what `heroku access` lists for admins). */
export interface TeamPermissionJson {
  name: string;
  description: string;
}

/** The control plane's health. */
export interface HealthzJson {
  status: 'ok';
  stack: 'ready' | 'building';
}

/** The API's own schema (OpenAPI 3.1), served at /schema. */
export interface OpenApiDocumentJson {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, unknown>;
  components: Record<string, unknown>;
  security: unknown[];
}

/** What an account request without a resource to show answers (sign-up, password reset): what happens next. */
export interface AccountMessageJson {
  message: string;
}

/** A browser login the CLI waits for (`slipway login --sso`): the user opens `browser_url`;
 *  the CLI polls `GET /auth/sso/sessions/{id}` with `poll_secret` as its bearer token. */
export interface SsoSessionJson {
  id: string;
  browser_url: string;
  /** Shown in this answer only (kept hashed). */
  poll_secret: string;
  expires_at: string;
  /** How often to poll. */
  interval_seconds: number;
}

/** A poll of a browser login: still pending, or done with a new API token (given once; the
 *  session is gone after). A refused sign-in answers in the error shape instead. */
export interface SsoLoginJson {
  status: 'pending' | 'done';
  access_token: { id: string; token: string; expires_in: null } | null;
  user: { id: string; email: string } | null;
}

/** An operator's invitation to sign up (sent by email; its secret is only in the email). */
export interface InvitationJson {
  email: string;
  expires_at: string;
}

/** One entry of the audit log: who did what, to which app, when, from where, and how it ended. */
export interface AuditEventJson {
  id: string;
  created_at: string;
  actor: { id: string; email: string } | null;
  /** `METHOD /route/{template}`, e.g. `PATCH /apps/{app}/config-vars`. */
  action: string;
  app: { id: string; name: string } | null;
  status: number;
  ip: string;
  request_id: string;
}

/** A plan of the provider's catalogue: what an account on it may take (null: no limit). */
export interface PlanJson {
  name: string;
  price: string;
  default: boolean;
  limits: {
    apps: number | null;
    dynos_per_app: number | null;
    dynos_total: number | null;
    sizes: string[];
    memory_mb: number | null;
    concurrent_builds: number | null;
    build_minutes_per_month: number | null;
    custom_domains: number | null;
    one_off_dynos: number | null;
    log_retention_hours: number;
    sleep_after_idle_minutes: number | null;
  };
}

/** An account's plan and what it uses of each limit now. */
export interface QuotasJson {
  account: { kind: 'user' | 'team'; id: string; name: string };
  plan: PlanJson;
  used: {
    apps: number;
    dynos_total: number;
    memory_mb: number;
    concurrent_builds: number;
    build_minutes_this_month: number;
    custom_domains: number;
    one_off_dynos: number;
  };
}

/** Metered usage over a period: per app, kind (dyno, one-off, build), process type and size. */
export interface UsageJson {
  start: string;
  end: string;
  /** `user:<id>` or `team:<id>`, or the app's */
  scope: string;
  /** time used (seconds) and, for router traffic, requests answered and response bytes */
  lines: { app: string; kind: 'dyno' | 'one-off' | 'build' | 'router' | 'addon'; process_type: string; size: string | null; seconds: number; requests: number; bytes: number }[];
}

/** An app's metrics over a period: its dynos' memory and CPU, as their agents sampled them, and
 *  its traffic through the routers, window by window. */
export interface AppMetricsJson {
  app: string;
  since: string;
  router: { window_start: string; window_end: string; requests: number; requests_per_second: number; bytes: number; status_classes: Record<string, number>; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null }[];
  dynos: {
    dyno: string;
    instance_id: string;
    /** times it restarted after a crash; null when the dyno no longer runs */
    restarts: number | null;
    samples: { at: string; memory_rss_mb: number; memory_limit_mb: number; cpu_percent: number }[];
  }[];
}

/** An alert on an app's traffic: a threshold on p95 latency or the 5xx rate, told by email or signed webhook. */
export interface AlertJson {
  id: string;
  metric: 'p95_ms' | 'error_rate';
  threshold: number;
  minutes: number;
  destination: { kind: 'email'; to: string } | { kind: 'webhook'; url: string };
  state: 'ok' | 'firing';
  changed_at: string;
  created_at: string;
  /** the webhook's signing secret (Standard Webhooks): in the answer that creates it only */
  webhook_secret?: string;
}

/** Heroku's pg:backups transfer: one backup of a PostgreSQL or Redis add-on (`b001`), encrypted in the platform's object store. */
export interface AddonBackupJson {
  /** b001, b002, … per add-on */
  id: string;
  addon: { id: string; name: string };
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  /** why it failed, in words (null unless failed) */
  error: string | null;
  /** the stored (encrypted) size */
  size_bytes: number | null;
  trigger: 'manual' | 'scheduled';
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A PostgreSQL or Redis add-on's daily backup schedule (pg:backups:schedule). */
export interface AddonBackupScheduleJson {
  addon: { id: string; name: string };
  /** '02:00 UTC' */
  at: string;
  /** how many succeeded backups its plan keeps */
  retain: number;
  next_run_at: string;
  created_at: string;
}
