// The builder's settings: a typed object with named defaults. The control plane reads them
// from its environment (control-plane/config.ts) and hands them over.
import { join } from 'node:path';
import { ConfigError } from '../common/errors.js';

export interface BuildLimits {
  memoryMb: number;
  cpus: number;
  /** wall-clock limit of one build container */
  timeoutSeconds: number;
  /** processes and threads in one build container */
  pidsLimit: number;
}

export interface BuildLogLimits {
  maxLineBytes: number;
  maxBytes: number;
}

export interface BuilderConfig {
  /** The platform registry, `host[:port]`: HTTPS, or plain HTTP when loopback or `registryInsecure`. */
  registry: string;
  /** Credential-helper JSON ({"ServerURL","Username","Secret"}) for the registry, read at each use; none: an open registry. */
  registryAuthFile?: string;
  /** Plain HTTP to a registry that is not on loopback (Docker's `insecure-registries`). */
  registryInsecure?: boolean;
  /** Apps' repositories are `<prefix>/<app>` (default `apps`; on ECR the prefix its creation template covers). */
  appRepositoryPrefix?: string;
  /** The run stack's repository (default `slipway/stack`). */
  stackRepository?: string;
  /** Scratch space: the stack's build and layer cache, one directory per running build. */
  workDir: string;
  /** Caches that make builds fast: Node.js runtimes (global), dependencies and npm cache (per app). */
  cacheDir: string;
  /** CA bundle trusted for outbound TLS (mounted into build containers). */
  caFile: string;
  /** npm registry URL used for runtimes and dependencies. */
  npmRegistry: string;
  /** Existing images to use as the stack instead of building it (both or neither). */
  stack: { runImage?: string; buildImage?: string };
  limits: BuildLimits;
  /** How much command output a build may show: lines longer than `maxLineBytes` are cut, and
   *  after `maxBytes` in all the rest is dropped (the build goes on). Bounds the memory a build
   *  can make the platform use, whatever it prints. */
  log: BuildLogLimits;
  /** Extra labels on every build container (e.g. an owner tag for cleanup). */
  labels?: Record<string, string>;
  /** How long npm registry metadata (versions of node and npm) is reused before it is fetched again. */
  metadataMaxAgeSeconds?: number;
  /** Buildpacks the operator registered: name -> git or tarball URL (SLIPWAY_BUILDPACK_REGISTRY_FILE). */
  buildpackRegistry: Readonly<Record<string, string>>;
  /** Limits on fetching a third-party buildpack (git or tarball). */
  buildpackFetch: BuildpackFetchLimits;
}

export interface BuildpackFetchLimits {
  timeoutSeconds: number;
  maxBytes: number;
}

export const DEFAULT_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org';
export const DEFAULT_LIMITS: BuildLimits = { memoryMb: 2048, cpus: 1, timeoutSeconds: 900, pidsLimit: 1024 };
export const DEFAULT_METADATA_MAX_AGE_SECONDS = 600;
export const DEFAULT_LOG_LIMITS: BuildLogLimits = { maxLineBytes: 8192, maxBytes: 10 * 1024 * 1024 };
export const DEFAULT_BUILDPACK_FETCH: BuildpackFetchLimits = { timeoutSeconds: 120, maxBytes: 100 * 1024 * 1024 };

export interface BuilderConfigInput {
  registry: string;
  registryAuthFile?: string;
  registryInsecure?: boolean;
  appRepositoryPrefix?: string;
  stackRepository?: string;
  /** Parent of workDir and cacheDir when those are not given. */
  baseDir: string;
  workDir?: string;
  cacheDir?: string;
  caFile?: string;
  npmRegistry?: string;
  stack?: { runImage?: string; buildImage?: string };
  limits?: Partial<BuildLimits>;
  log?: Partial<BuildLogLimits>;
  labels?: Record<string, string>;
  metadataMaxAgeSeconds?: number;
  buildpackRegistry?: Record<string, string>;
  buildpackFetch?: Partial<BuildpackFetchLimits>;
}

/** A complete config from the settings given and the defaults for the rest. */
export function builderConfig(input: BuilderConfigInput): BuilderConfig {
  if (Boolean(input.stack?.runImage) !== Boolean(input.stack?.buildImage)) {
    throw new ConfigError('builder stack: configure both runImage and buildImage, or neither');
  }
  return {
    registry: input.registry,
    registryAuthFile: input.registryAuthFile,
    registryInsecure: input.registryInsecure ?? false,
    appRepositoryPrefix: input.appRepositoryPrefix,
    stackRepository: input.stackRepository,
    workDir: input.workDir ?? join(input.baseDir, 'work'),
    cacheDir: input.cacheDir ?? join(input.baseDir, 'cache'),
    caFile: input.caFile ?? DEFAULT_CA_FILE,
    npmRegistry: (input.npmRegistry ?? DEFAULT_NPM_REGISTRY).replace(/\/+$/, ''),
    stack: { runImage: input.stack?.runImage, buildImage: input.stack?.buildImage },
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    log: { ...DEFAULT_LOG_LIMITS, ...input.log },
    labels: input.labels,
    metadataMaxAgeSeconds: input.metadataMaxAgeSeconds ?? DEFAULT_METADATA_MAX_AGE_SECONDS,
    buildpackRegistry: { ...input.buildpackRegistry },
    buildpackFetch: { ...DEFAULT_BUILDPACK_FETCH, ...input.buildpackFetch },
  };
}
