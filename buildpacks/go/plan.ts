// What a Go build will do, decided from go.mod and the app's files (pure): which packages
// `go install` builds into /app/bin, with which flags and environment, where the caches
// are mounted, and the process types.
import { APP_DIR, CA_PATH, CACHE_DIR, SYSTEM_PATH } from '../build-layout.js';
import { BuildError } from '../errors.js';
import { rootBinaryName, type GoMod } from './gomod.js';

/** Where the toolchain (GOROOT) is mounted read-only in build containers; never in images. */
export const TOOLCHAIN_DIR = '/layers/go';
export const GOMODCACHE_DIR = `${CACHE_DIR}/go-mod`;
export const GOCACHE_DIR = `${CACHE_DIR}/go-build`;
/** `go install` puts the binaries here (GOBIN); the image keeps them, on its PATH. */
export const BIN_DIR = `${APP_DIR}/bin`;

/** Every main package of the module, when go.mod has no `// +heroku install` comment. */
export const DEFAULT_PACKAGES = ['./...'];

/** A package pattern as `go install` takes it; never a flag. */
const PACKAGE_PATTERN = /^(\.{1,2}(\/[A-Za-z0-9._~+-]+)*(\/\.\.\.)?|[A-Za-z0-9._~+-]+(\/[A-Za-z0-9._~+-]+)*(\/\.\.\.)?)$/;

export interface GoPlan {
  modulePath: string;
  /** vendor/modules.txt is there: build from vendor/, offline */
  vendored: boolean;
  packages: string[];
  /** `go mod download`, or null when vendored */
  download: string[] | null;
  install: string[];
  /** the binary a web process defaults to (the module's root package) */
  defaultBinary: string;
  warnings: string[];
}

export function planGoBuild(input: { goMod: GoMod; vendored: boolean }): GoPlan {
  const { goMod, vendored } = input;
  if (!goMod.module) {
    throw new BuildError('go.mod has no module line.', { outputTail: ['Start go.mod with `module <path>`, as `go mod init <path>` writes it.'] });
  }
  const packages = goMod.install ?? DEFAULT_PACKAGES;
  const bad = packages.filter((pattern) => !PACKAGE_PATTERN.test(pattern));
  if (packages.length === 0 || bad.length > 0) {
    throw new BuildError('go.mod\'s `// +heroku install` comment must list package patterns.', {
      outputTail: [
        bad.length > 0 ? `Not a package pattern: ${bad.join(' ')}` : 'The comment lists no packages.',
        'For example: `// +heroku install ./cmd/web ./cmd/worker` or `// +heroku install .`',
      ],
    });
  }
  return {
    modulePath: goMod.module,
    vendored,
    packages,
    download: vendored ? null : ['go', 'mod', 'download'],
    install: [
      'go', 'install',
      vendored ? '-mod=vendor' : '-mod=readonly',
      '-trimpath',
      '-ldflags=-s -w',
      ...packages,
    ],
    defaultBinary: rootBinaryName(goMod.module),
    warnings: [],
  };
}

/** The build container's environment: toolchain on PATH, caches, the proxy, the operator's CA. */
export function goBuildEnvironment(options: { proxy: string; vendored: boolean }): string[] {
  return [
    `PATH=${TOOLCHAIN_DIR}/bin:${SYSTEM_PATH}`,
    'HOME=/tmp',
    // the toolchain chosen from go.mod, never another one fetched by `go` itself
    'GOTOOLCHAIN=local',
    `GOBIN=${BIN_DIR}`,
    `GOMODCACHE=${GOMODCACHE_DIR}`,
    `GOCACHE=${GOCACHE_DIR}`,
    // a vendored build needs nothing from the network
    `GOPROXY=${options.vendored ? 'off' : options.proxy}`,
    // the source comes from `git archive`: there is no repository to stamp
    'GOFLAGS=-buildvcs=false',
    // static binaries: they run on the run image, which has no C toolchain
    'CGO_ENABLED=0',
    `SSL_CERT_FILE=${CA_PATH}`,
  ];
}

/** The app image's environment: the binaries on PATH, as on Heroku. */
export function goRuntimeEnvironment(): string[] {
  return [`PATH=${BIN_DIR}:${SYSTEM_PATH}`, `HOME=${APP_DIR}`];
}

/**
 * Process types: the Procfile's, else `web: bin/<module name>` when the module's root package
 * was built into that binary, else none.
 */
export function goProcessTypes(procfile: Record<string, string> | null, binaries: ReadonlySet<string>, defaultBinary: string): Record<string, string> {
  if (procfile) return procfile;
  return binaries.has(defaultBinary) ? { web: `bin/${defaultBinary}` } : {};
}
