// Records as the Platform API shows them, in the shapes of common/api-shapes.ts (Heroku
// Platform API v3 names, snake_case). Pure functions; every handler answers through them.
// Config vars never appear here except in the config-vars endpoint.
import { redactedToken } from '../../common/api-token.js';
import { nameUuid } from '../../common/name-uuid.js';
import type {
  AccountJson,
  AppJson,
  AuthorizationJson,
  CollaboratorJson,
  BuildJson,
  BuildpackInstallationJson,
  DomainJson,
  DynoJson,
  FormationJson,
  HostJson,
  LogDrainJson,
  ReleaseJson,
  SniEndpointJson,
  StackJson,
  TeamJson,
  TeamMemberJson,
  TokenJson,
} from '../../common/api-shapes.js';
import type { App, Build, FormationEntry, Host, Instance, Release, Team, User } from '../../common/types.js';
import type { SniEndpoint } from '../certificates/store.js';
import type { AcmDomainState } from '../acme/policy.js';
import type { LogDrain } from '../store/log-drains.js';
import { REGION } from '../regions.js';
import { buildStackOf, stackRef, type StackInfo } from '../stacks.js';

export interface ApiUrls {
  /** e.g. http://127.0.0.1:5780 */
  git: string;
  appsDomain: string;
  /** Public router URL (scheme + port) for web_url, when it is not plain port 80. */
  router: string | null;
}

export function webUrl(app: App, urls: ApiUrls): string {
  const host = `${app.name}.${urls.appsDomain}`;
  if (!urls.router) return `http://${host}/`;
  const router = new URL(urls.router);
  return `${router.protocol}//${host}${router.port ? `:${router.port}` : ''}/`;
}

/** The stock Heroku CLI knows a team's app by its owner's address in this domain (Heroku's
 *  convention), e.g. to warn that moving it to a user drops its collaborators. */
export const TEAM_OWNER_EMAIL_DOMAIN = 'herokumanager.com';

/** An app as the API shows it: a team's app is owned by the team (Heroku's shape). */
export function appJson(app: App, owner: Pick<User, 'id' | 'email'> | null, urls: ApiUrls, team: Team | null = null): AppJson {
  return {
    id: app.id,
    name: app.name,
    owner: team ? { id: team.id, email: `${team.name}@${TEAM_OWNER_EMAIL_DOMAIN}` } : owner ? { id: owner.id, email: owner.email } : { id: app.ownerId, email: null },
    stack: stackRef(app.stack),
    build_stack: stackRef(buildStackOf(app)),
    maintenance: app.maintenance ?? false,
    stop_timeout_seconds: app.stopTimeoutSeconds ?? null,
    git_url: `${urls.git}/${app.name}.git`,
    web_url: webUrl(app, urls),
    region: { id: REGION.id, name: REGION.name },
    create_status: 'complete',
    acm: app.acm ?? false,
    space: null,
    team: team ? { id: team.id, name: team.name } : null,
    internal_routing: null,
    archived_at: null,
    repo_size: null,
    slug_size: null,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function stackJson(stack: StackInfo, defaultStack: string): StackJson {
  return { id: stack.id, name: stack.name, state: 'active', default: stack.name === defaultStack };
}

/** Heroku's shape: `url` is what builds fetch (a registered name resolved), `name` what was set. */
export function buildpackInstallationsJson(buildpacks: readonly string[], registry: Readonly<Record<string, string>>): BuildpackInstallationJson[] {
  return buildpacks.map((buildpack, ordinal) => ({
    ordinal,
    buildpack: { url: Object.hasOwn(registry, buildpack) ? registry[buildpack]! : buildpack, name: buildpack },
  }));
}

export function releaseJson(release: Release, app: App, currentVersion: number | null, outputStreamUrl: string | null = null): ReleaseJson {
  return {
    id: release.id,
    version: release.version,
    description: release.description,
    status: release.status,
    current: release.version === currentVersion,
    app: { id: app.id, name: app.name },
    slug: release.image ? { id: release.image.digest } : null,
    image: release.image ? { repository: release.image.repository, digest: release.image.digest } : null,
    process_types: release.processTypes,
    build: release.buildId ? { id: release.buildId } : null,
    stack: release.stack ? stackRef(release.stack) : null,
    eligible_for_rollback: release.image !== null && release.status === 'succeeded',
    addon_plan_names: [],
    user: null,
    output_stream_url: outputStreamUrl,
    created_at: release.createdAt,
    updated_at: release.createdAt,
  };
}

export function buildJson(build: Build, app: App): BuildJson {
  return {
    id: build.id,
    app: { id: app.id, name: app.name },
    status: build.status,
    source_blob: { version: build.sourceVersion },
    buildpacks: build.buildpack ? [{ name: build.buildpack }] : [],
    release: build.releaseVersion ? { version: build.releaseVersion } : null,
    failure: build.failure,
    stack: build.stack ?? null,
    created_at: build.createdAt,
    updated_at: build.updatedAt,
  };
}

export function formationJson(entry: FormationEntry, app: App, command: string | null): FormationJson {
  return {
    app: { id: app.id, name: app.name },
    type: entry.type,
    quantity: entry.quantity,
    size: entry.size,
    command,
  };
}

export function dynoJson(instance: Instance, app: App, command: string | null): DynoJson {
  return {
    id: instance.id,
    name: `${instance.type}.${instance.index}`,
    type: instance.type,
    state: instance.state,
    app: { id: app.id, name: app.name },
    release: { version: instance.releaseVersion },
    host: { id: instance.hostId },
    port: instance.port,
    exit_code: instance.exitCode,
    reason: instance.reason,
    restarts: instance.restarts,
    command,
    size: instance.size,
    created_at: instance.createdAt,
    updated_at: instance.updatedAt,
  };
}

export function hostJson(host: Host, instances: number): HostJson {
  return {
    id: host.id,
    provider: host.provider,
    state: host.state,
    address: host.address,
    capacity: { memory_mb: host.capacity.memoryMb, cpus: host.capacity.cpus },
    instances,
    last_heartbeat: host.lastHeartbeat,
    created_at: host.createdAt,
  };
}

export function accountJson(user: User): AccountJson {
  return { id: user.id, email: user.email, admin: user.admin, created_at: user.createdAt, disabled_at: user.disabledAt ?? null };
}

export function authorizationJson(token: { id: string; description: string; createdAt: string }, user: Pick<User, 'id' | 'email'>): AuthorizationJson {
  return {
    id: token.id,
    description: token.description,
    scope: ['global'],
    access_token: { id: token.id, token: redactedToken(token.id), expires_in: null },
    user: { id: user.id, email: user.email },
    created_at: token.createdAt,
    updated_at: token.createdAt,
  };
}

export function collaboratorJson(app: App, user: Pick<User, 'id' | 'email'>, role: CollaboratorJson['role']): CollaboratorJson {
  return {
    id: `${app.id}:${user.id}`,
    app: { id: app.id, name: app.name },
    user: { id: user.id, email: user.email, federated: false },
    role,
    permissions: [],
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function tokenJson(token: { id: string; description: string; createdAt: string }): TokenJson {
  return { id: token.id, description: token.description, created_at: token.createdAt };
}

export function domainJson(
  app: Pick<App, 'id' | 'name'>,
  hostname: string,
  appsDomain: string,
  endpoint: Pick<SniEndpoint, 'id'> | null = null,
  acm: Pick<AcmDomainState, 'status' | 'reason' | 'updatedAt'> | null = null,
): DomainJson {
  const builtIn = hostname.endsWith(`.${appsDomain}`);
  return {
    id: nameUuid(`domain:${app.id}:${hostname}`),
    hostname,
    kind: builtIn ? 'heroku' : 'custom',
    cname: builtIn ? null : `${app.name}.${appsDomain}`,
    status: 'none',
    app: { id: app.id, name: app.name },
    sni_endpoint: endpoint ? { id: endpoint.id, name: endpoint.id } : null,
    acm_status: acm?.status ?? null,
    acm_status_reason: acm?.reason ?? null,
    updated_at: acm?.updatedAt ?? null,
  };
}

/** Keys go in, never out. */
export function sniEndpointJson(endpoint: SniEndpoint, app: App): SniEndpointJson {
  return {
    id: endpoint.id,
    app: { id: app.id, name: app.name },
    name: endpoint.id,
    display_name: null,
    domains: endpoint.hostnames,
    ssl_cert: {
      id: endpoint.fingerprint,
      cert_domains: endpoint.names,
      expires_at: endpoint.expiresAt,
      starts_at: endpoint.startsAt ?? null,
      issuer: endpoint.issuer ?? null,
      subject: endpoint.subject ?? null,
      'ca_signed?': endpoint.caSigned ?? false,
      acm: endpoint.acm ?? false,
      fingerprint: endpoint.fingerprint,
    },
    created_at: endpoint.createdAt,
    updated_at: endpoint.createdAt,
  };
}

export function teamJson(team: Team, role: TeamJson['role']): TeamJson {
  return {
    id: team.id,
    name: team.name,
    role,
    type: 'team',
    default: false,
    membership_limit: null,
    provisioned_licenses: false,
    identity_provider: null,
    enterprise_account: null,
    created_at: team.createdAt,
    updated_at: team.updatedAt,
  };
}

export function teamMemberJson(team: Team, user: Pick<User, 'id' | 'email' | 'createdAt'>, role: TeamMemberJson['role']): TeamMemberJson {
  return {
    id: `${team.id}:${user.id}`,
    email: user.email,
    role,
    federated: false,
    two_factor_authentication: false,
    user: { id: user.id, email: user.email, name: null },
    created_at: team.createdAt,
    updated_at: team.updatedAt,
  };
}

export function logDrainJson(drain: LogDrain, app: Pick<App, 'id' | 'name'>): LogDrainJson {
  return { id: drain.id, url: drain.url, token: drain.token, addon: null, app: { id: app.id, name: app.name }, created_at: drain.createdAt, updated_at: drain.updatedAt };
}
