// The Docker Engine settings every Slipway host runs with, as daemon.json keys: the local
// launcher passes them to the dockerd it starts as flags, AWS hosts get them in daemon.json.
// And the reading of a running dockerd's settings, to tell an operator what to change.

/**
 * `userland-proxy: false`: a published port is reached through iptables DNAT in the kernel
 * instead of Docker's userland proxy (`docker-proxy`), which copied every byte through a Go
 * process per published port and, under sustained load through the router, used most of the
 * machine's CPU and then stopped answering (docs/decisions.md, "Instances").
 */
export const ENGINE_SETTINGS = { 'userland-proxy': false } as const;

/** dockerd flags with the same effect as ENGINE_SETTINGS in daemon.json. */
export function dockerdFlags(settings: Readonly<Record<string, boolean>> = ENGINE_SETTINGS): string[] {
  return Object.entries(settings).map(([key, value]) => `--${key}=${value}`);
}

/** What a running dockerd was started with: its argv and the daemon.json it read (if any). */
export interface DockerdSettingsSource {
  argv: readonly string[];
  /** The text of its daemon.json, or null when there is none. */
  daemonJson: string | null;
}

export const DEFAULT_DAEMON_JSON = '/etc/docker/daemon.json';

/** The daemon.json a dockerd started with `argv` reads. */
export function daemonJsonPath(argv: readonly string[]): string {
  return stringFlag(argv, 'config-file') ?? DEFAULT_DAEMON_JSON;
}

/**
 * Whether such a dockerd puts its userland proxy in front of published ports (Docker's default:
 * yes). dockerd refuses to start when a flag and daemon.json both set it, so either decides.
 */
export function userlandProxyEnabled(source: DockerdSettingsSource): boolean {
  const flag = booleanFlag(source.argv, 'userland-proxy');
  if (flag !== undefined) return flag;
  if (source.daemonJson !== null) {
    try {
      const config = JSON.parse(source.daemonJson) as Record<string, unknown>;
      if (typeof config['userland-proxy'] === 'boolean') return config['userland-proxy'];
    } catch {
      // dockerd does not start with a daemon.json it cannot parse: the file changed since.
    }
  }
  return true;
}

/** A valued flag: `--name=value` or `--name value`. */
function stringFlag(argv: readonly string[], name: string): string | undefined {
  const at = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  const arg = argv[at]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[at + 1];
}

/** A boolean flag: `--name` or `--name=true|false` (a separate word is not its value). */
function booleanFlag(argv: readonly string[], name: string): boolean | undefined {
  const arg = argv.findLast((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (arg === undefined) return undefined;
  return arg === `--${name}` || arg.slice(name.length + 3) !== 'false';
}
