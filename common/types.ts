// The Heroku data model as plain types, shared by every component (Flynn's controller/types
// is the model). Records are JSON in Redis and on NATS; timestamps are ISO 8601 strings.
import type { z } from 'zod';
import type { HealthCheck } from './health-check.js';
import type { capacity, route, routeBackend } from './protocol.js';

export interface User {
  id: string;
  email: string;
  admin: boolean;
  createdAt: string;
  /** Set while an operator has disabled the account: none of its tokens work. Absent on older records. */
  disabledAt?: string | null;
  /** When the user proved the email theirs; null while a self-service sign-up waits for it.
   *  Absent: made by an operator (or before sign-up existed), who vouches for the address. */
  emailVerifiedAt?: string | null;
}

export interface App {
  id: string;
  name: string;
  /** The user who owns a personal app; of a team app, the user who last owned it (the team
   *  owns it: see teamId). */
  ownerId: string;
  /** The team that owns the app (Heroku's team apps); absent or null: a personal app. */
  teamId?: string | null;
  /** The stack the current release runs on (Heroku's `stack`): the build stack, until a build
   *  on another one is released. */
  stack: string;
  /** The stack the next build uses (Heroku's `build_stack`); absent on records written before
   *  apps could choose: then `stack`. */
  buildStack?: string;
  /** Heroku's maintenance mode: the router answers every request with the maintenance page
   *  (instances keep running). Absent on older records: off. */
  maintenance?: boolean;
  /** Seconds between SIGTERM and SIGKILL when its processes stop; absent: the platform's default. */
  stopTimeoutSeconds?: number | null;
  /** Heroku's Automated Certificate Management: its custom domains get certificates over ACME. */
  acm?: boolean;
  /** Since when the app sleeps (its plan's idle time passed; nothing of it runs until a request
   *  wakes it); absent or null: awake. */
  sleepingSince?: string | null;
  /** Woken and no web dyno up yet: its route still leads to the waker (absent: false). */
  waking?: boolean;
  /** Features (Heroku's app features): plain HTTP redirected to HTTPS; HSTS on HTTPS answers. */
  httpsRedirect?: boolean;
  hsts?: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Heroku's team: users with roles (control-plane/apps/roles.ts) sharing the apps it owns. */
export interface Team {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** An image in the platform's registry, named without the registry's address so that
 *  every host can pull it from wherever it reaches the registry. */
export interface ImageRef {
  repository: string;
  digest: string;
}

export type BuildStatus = 'pending' | 'succeeded' | 'failed';

export interface Build {
  id: string;
  appId: string;
  status: BuildStatus;
  sourceVersion: string;
  buildpack: string | null;
  image: ImageRef | null;
  processTypes: Record<string, string>;
  /** Why a failed build failed, in words a user can act on. */
  failure: string | null;
  releaseVersion: number | null;
  /** The stack it was built on; absent on records written before apps could choose. */
  stack?: string;
  createdAt: string;
  updatedAt: string;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

export interface Release {
  id: string;
  appId: string;
  version: number;
  image: ImageRef | null;
  processTypes: Record<string, string>;
  /** Process types that run an image other than `image` (a container release of some types);
   *  absent when every type runs `image`. See common/release-images.ts. */
  processImages?: Record<string, ImageRef>;
  /** Config vars as they were when the release was cut (secrets: never logged). */
  config: Record<string, string>;
  description: string;
  status: ReleaseStatus;
  buildId: string | null;
  /** The stack its image was built on (copied by config changes and rollbacks); null without
   *  an image, absent on records written before apps could choose. */
  stack?: string | null;
  /** Health checks by process type from the build's app.json; absent on older records. */
  healthChecks?: Record<string, HealthCheck>;
  /** The capability in its release phase output's URL (Heroku's `output_stream_url`, fetched
   *  without credentials); only releases with a release phase have one. */
  outputSecret?: string;
  /** Why a failed release failed (its release phase), in words; absent otherwise. */
  failure?: string | null;
  createdAt: string;
}

export const DYNO_SIZES = {
  basic: { memoryMb: 512, cpus: 0.5 },
  standard: { memoryMb: 1024, cpus: 1 },
  performance: { memoryMb: 2048, cpus: 2 },
} as const;
export type DynoSize = keyof typeof DYNO_SIZES;
/** The size a process type runs at until its formation names another (Heroku's default dyno). */
export const DEFAULT_DYNO_SIZE: DynoSize = 'basic';

export interface FormationEntry {
  type: string;
  quantity: number;
  size: DynoSize;
}

export type InstanceState = 'starting' | 'up' | 'crashed' | 'stopping' | 'down';

export interface Instance {
  id: string;
  appId: string;
  appName: string;
  type: string;
  /** `web.1` is type `web`, index 1. */
  index: number;
  releaseVersion: number;
  hostId: string;
  size: DynoSize;
  state: InstanceState;
  /** Host port the container's $PORT is published on (the host's private address). */
  port: number | null;
  exitCode: number | null;
  /** Short reason for the state, e.g. "exited with code 1" or "did not bind $PORT within 60 s". */
  reason: string | null;
  restarts: number;
  /** Set by a restart request: a replacement starts, and this one stops once it is up. */
  retiring?: boolean;
  createdAt: string;
  updatedAt: string;
}

export type HostState = 'up' | 'draining' | 'down';

/** What a host offers, as its agent reports it (the wire schema is the definition). */
export type HostCapacity = z.infer<typeof capacity>;

export interface Host {
  id: string;
  provider: string;
  state: HostState;
  /** The private address that published container ports are reachable on. */
  address: string;
  capacity: HostCapacity;
  lastHeartbeat: string | null;
  createdAt: string;
}

export type RouteBackend = z.infer<typeof routeBackend>;

/** Everything a router needs to serve one app: its hostnames and its healthy web instances. */
export type Route = z.infer<typeof route>;
