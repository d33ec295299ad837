// Records as the Platform API shows them: Heroku Platform API v3 shapes (snake_case).
// Pure functions; config vars never appear here except in the config-vars endpoint.
import type { App, Build, FormationEntry, Host, Instance, Release, User } from '../../common/types.js';

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

export function appJson(app: App, owner: Pick<User, 'id' | 'email'> | null, urls: ApiUrls) {
  return {
    id: app.id,
    name: app.name,
    owner: owner ? { id: owner.id, email: owner.email } : { id: app.ownerId, email: null },
    stack: { name: app.stack },
    git_url: `${urls.git}/${app.name}.git`,
    web_url: webUrl(app, urls),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function releaseJson(release: Release, app: App, currentVersion: number | null) {
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
    created_at: release.createdAt,
    updated_at: release.createdAt,
  };
}

export function buildJson(build: Build, app: App) {
  return {
    id: build.id,
    app: { id: app.id, name: app.name },
    status: build.status,
    source_blob: { version: build.sourceVersion },
    buildpacks: build.buildpack ? [{ name: build.buildpack }] : [],
    release: build.releaseVersion ? { version: build.releaseVersion } : null,
    failure: build.failure,
    created_at: build.createdAt,
    updated_at: build.updatedAt,
  };
}

export function formationJson(entry: FormationEntry, app: App, command: string | null) {
  return {
    app: { id: app.id, name: app.name },
    type: entry.type,
    quantity: entry.quantity,
    size: entry.size,
    command,
  };
}

export function dynoJson(instance: Instance, app: App, command: string | null) {
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
    created_at: instance.createdAt,
    updated_at: instance.updatedAt,
  };
}

export function hostJson(host: Host, instances: number) {
  return {
    id: host.id,
    provider: host.provider,
    state: host.state,
    address: host.address,
    capacity: { memoryMb: host.capacity.memoryMb, cpus: host.capacity.cpus },
    instances,
    last_heartbeat: host.lastHeartbeat,
    created_at: host.createdAt,
  };
}
