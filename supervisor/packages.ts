// Which Debian packages the single-node platform needs, and the argv to install them.
// Pure: callers say which binaries are present.

export interface RequiredPackage {
  /** Debian package name */
  pkg: string;
  /** A binary the package installs, used to tell whether it is present */
  binary: string;
}

export const PLATFORM_PACKAGES: readonly RequiredPackage[] = [
  { pkg: 'docker.io', binary: 'dockerd' },
  { pkg: 'redis-server', binary: 'redis-server' },
  { pkg: 'nats-server', binary: 'nats-server' },
  { pkg: 'docker-registry', binary: 'docker-registry' },
  { pkg: 'git', binary: 'git' },
  // the pre-receive hook posts each push to the control plane with it
  { pkg: 'curl', binary: 'curl' },
  { pkg: 'haproxy', binary: 'haproxy' },
  { pkg: 'debootstrap', binary: 'debootstrap' },
  { pkg: 'ca-certificates', binary: 'update-ca-certificates' },
  // makes the registry token signing key and its certificate on the first start
  { pkg: 'openssl', binary: 'openssl' },
  // gunzips package tarballs (the builder); Docker Engine unpacks pulls with its unpigz
  { pkg: 'pigz', binary: 'pigz' },
  // compresses image layers (the builder): smaller than zlib's gzip, in a third of the CPU time
  { pkg: 'libdeflate-tools', binary: 'libdeflate-gzip' },
];

/** Packages the tests add on top of the platform's (systemd-analyze checks generated units;
 *  pip installs schemathesis, which fuzzes the API from its schema; pebble is Let's Encrypt's
 *  test ACME server, with its mock DNS server). */
export const TEST_PACKAGES: readonly RequiredPackage[] = [
  { pkg: 'systemd', binary: 'systemd-analyze' },
  { pkg: 'python3-pip', binary: 'pip3' },
  { pkg: 'pebble', binary: 'pebble' },
];

/** Packages the benchmarks add on top of the platform's (Caddy is one of the router's peers in bench:router;
 *  Traefik and kamal-proxy are built from source by that benchmark when Go is there, see bench/support/go-peers.ts). */
export const BENCH_PACKAGES: readonly RequiredPackage[] = [
  { pkg: 'nginx', binary: 'nginx' },
  { pkg: 'wrk', binary: 'wrk' },
  { pkg: 'caddy', binary: 'caddy' },
];

export function missingPackages(required: readonly RequiredPackage[], isPresent: (binary: string) => boolean): string[] {
  return required.filter((p) => !isPresent(p.binary)).map((p) => p.pkg);
}

export function aptInstallCommands(pkgs: readonly string[]): string[][] {
  if (pkgs.length === 0) return [];
  return [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs],
  ];
}

/** The line to show a user who cannot install packages themselves (not root). */
export function installHint(pkgs: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`;
}
