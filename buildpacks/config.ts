// The builder's settings: a typed object with named defaults. The control plane reads them
// from its environment (control-plane/config.ts) and hands them over.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../common/errors.js';
import { STACK_RECIPES, stackRecipe } from './stack/recipe.js';

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
  /** Existing images to use instead of building a stack from its recipe, by stack name
   *  (`bookworm`, `trixie`); a stack not named here is built from Debian's packages. */
  stackImages: Record<string, StackImages>;
  /** Python package index (PEP 503 simple API) for pip, uv, Poetry, Pipenv and uv itself. */
  pypiIndexUrl: string;
  /** Go module proxy (GOPROXY) for Go toolchains and modules; its checksum database pass-through verifies toolchains. */
  goProxy: string;
  /** Maven repository (Maven Central's layout) for Maven itself and, as a mirror of every repository, Java dependencies. */
  mavenRepository: string;
  limits: BuildLimits;
  /** The Docker CLI that runs Dockerfile builds with BuildKit (Debian's docker.io has it built in). */
  dockerCli: string;
  /** Where Docker Hub FROM images of Dockerfile builds come from (`host/path`), or null: as written. */
  dockerBaseMirror: string | null;
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
  /** The platform's name in build output (the provider's brand). */
  platformName: string;
}

export interface BuildpackFetchLimits {
  timeoutSeconds: number;
  maxBytes: number;
}

/** An operator's images for one stack: both are given, or the stack is built from its recipe. */
export interface StackImages {
  runImage: string;
  buildImage: string;
}

export const DEFAULT_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org';
export const DEFAULT_PYPI_INDEX_URL = 'https://pypi.org/simple';
export const DEFAULT_GO_PROXY = 'https://proxy.golang.org';
export const DEFAULT_MAVEN_REPOSITORY = 'https://repo1.maven.org/maven2';
/** A build alone may use every core of the host it runs on; under contention it weighs half an
 *  app container (BUILD_CPU_SHARES), so apps keep answering while builds take the idle CPU. */
export const defaultBuildCpus = (): number => availableParallelism();
/** Docker's CPU weight of build containers and Dockerfile RUN steps (app containers have 1024). */
export const BUILD_CPU_SHARES = 512;
export const DEFAULT_LIMITS: BuildLimits = { memoryMb: 2048, cpus: defaultBuildCpus(), timeoutSeconds: 900, pidsLimit: 1024 };
export const DEFAULT_METADATA_MAX_AGE_SECONDS = 600;
/** Debian's docker.io CLI: BuildKit without the buildx plugin. */
export const DEFAULT_DOCKER_CLI = '/usr/bin/docker';
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
  /** By stack name; each entry names both images or neither. */
  stackImages?: Record<string, { runImage?: string; buildImage?: string }>;
  pypiIndexUrl?: string;
  goProxy?: string;
  mavenRepository?: string;
  limits?: Partial<BuildLimits>;
  dockerCli?: string;
  dockerBaseMirror?: string | null;
  log?: Partial<BuildLogLimits>;
  labels?: Record<string, string>;
  metadataMaxAgeSeconds?: number;
  buildpackRegistry?: Record<string, string>;
  buildpackFetch?: Partial<BuildpackFetchLimits>;
  /** The platform's name in build output (the provider's brand). */
  platformName?: string;
}

/** A complete config from the settings given and the defaults for the rest. */
export function builderConfig(input: BuilderConfigInput): BuilderConfig {
  const stackImages: Record<string, StackImages> = {};
  for (const [name, images] of Object.entries(input.stackImages ?? {})) {
    if (!stackRecipe(name)) {
      throw new ConfigError(`builder stack images: no stack is named ${name} (stacks: ${STACK_RECIPES.map((r) => r.name).join(', ')})`);
    }
    if (Boolean(images.runImage) !== Boolean(images.buildImage)) {
      throw new ConfigError(`builder stack ${name}: configure both runImage and buildImage, or neither`);
    }
    if (images.runImage && images.buildImage) stackImages[name] = { runImage: images.runImage, buildImage: images.buildImage };
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
    stackImages,
    pypiIndexUrl: (input.pypiIndexUrl ?? DEFAULT_PYPI_INDEX_URL).replace(/\/+$/, ''),
    goProxy: (input.goProxy ?? DEFAULT_GO_PROXY).replace(/\/+$/, ''),
    mavenRepository: (input.mavenRepository ?? DEFAULT_MAVEN_REPOSITORY).replace(/\/+$/, ''),
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    dockerCli: input.dockerCli ?? DEFAULT_DOCKER_CLI,
    dockerBaseMirror: input.dockerBaseMirror ?? null,
    log: { ...DEFAULT_LOG_LIMITS, ...input.log },
    labels: input.labels,
    metadataMaxAgeSeconds: input.metadataMaxAgeSeconds ?? DEFAULT_METADATA_MAX_AGE_SECONDS,
    buildpackRegistry: { ...input.buildpackRegistry },
    buildpackFetch: { ...DEFAULT_BUILDPACK_FETCH, ...input.buildpackFetch },
    platformName: input.platformName ?? 'Slipway',
  };
}
