// Building blocks for cloud-init user-data, as pure functions. The document is rendered as
// JSON under the `#cloud-config` header (JSON is YAML), so no value ever needs YAML escaping;
// commands are argv lists (cloud-init runs them without a shell); systemd and env-file lines
// are checked, never escaped, so nothing an input holds can change their meaning.

export interface CloudFile {
  path: string;
  content: string;
  /** Octal mode, e.g. `0600`. */
  permissions: string;
  owner?: string;
  /** Write after packages are installed (for paths a package owns, and owners it creates). */
  defer?: boolean;
}

export interface CloudConfig {
  packages: readonly string[];
  files: readonly CloudFile[];
  /** Run once, in order, at the end of first boot. */
  commands: readonly (readonly string[])[];
}

export class UserDataError extends Error {
  override name = 'UserDataError';
}

export const CLOUD_CONFIG_HEADER = '#cloud-config\n';

export function renderCloudConfig(config: CloudConfig): string {
  const paths = new Set<string>();
  for (const file of config.files) {
    if (!file.path.startsWith('/')) throw new UserDataError(`file path must be absolute: ${file.path}`);
    if (paths.has(file.path)) throw new UserDataError(`file written twice: ${file.path}`);
    if (!/^0[0-7]{3}$/.test(file.permissions)) throw new UserDataError(`bad permissions for ${file.path}: ${file.permissions}`);
    paths.add(file.path);
  }
  const document = {
    package_update: true,
    package_upgrade: false,
    packages: [...config.packages],
    write_files: config.files.map((file) => ({
      path: file.path,
      content: file.content,
      permissions: file.permissions,
      owner: file.owner ?? 'root:root',
      defer: file.defer ?? false,
    })),
    runcmd: config.commands.map((argv) => [...argv]),
  };
  return CLOUD_CONFIG_HEADER + JSON.stringify(document, null, 2) + '\n';
}

/** Pure inverse of renderCloudConfig's document, for tests and for inspecting user-data. */
export function parseCloudConfig(userData: string): {
  packages: string[];
  write_files: { path: string; content: string; permissions: string; owner: string; defer: boolean }[];
  runcmd: string[][];
} {
  if (!userData.startsWith(CLOUD_CONFIG_HEADER)) throw new UserDataError('user-data does not start with #cloud-config');
  return JSON.parse(userData.slice(CLOUD_CONFIG_HEADER.length));
}

// systemd splits ExecStart on whitespace, honours quotes and backslashes, and expands `$` and
// `%`: an argument free of all of these means exactly what it says.
const SYSTEMD_SAFE_ARG = /^[A-Za-z0-9_@.,:=/+-]+$/;

/** One `Exec*=` command line from an argv list; the first element must be an absolute path. */
export function systemdCommandLine(argv: readonly string[]): string {
  const [command] = argv;
  if (!command || !command.startsWith('/')) throw new UserDataError(`systemd needs an absolute command path, not ${command ?? '(none)'}`);
  for (const arg of argv) {
    if (!SYSTEMD_SAFE_ARG.test(arg)) throw new UserDataError(`argument not safe for a systemd command line: ${JSON.stringify(arg)}`);
  }
  return argv.join(' ');
}

export type UnitSections = Record<string, readonly (readonly [string, string])[]>;

/** A systemd unit file from sections of key/value pairs (keys may repeat, as systemd allows). */
export function systemdUnit(sections: UnitSections): string {
  return Object.entries(sections)
    .map(([section, entries]) => {
      for (const [key, value] of entries) {
        if (!/^[A-Za-z]+$/.test(key) || /[\n\r]/.test(value)) throw new UserDataError(`bad unit entry ${key}`);
      }
      return [`[${section}]`, ...entries.map(([key, value]) => `${key}=${value}`)].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

/** A Docker `--env-file`: KEY=value lines that Docker takes literally (no quotes, no expansion). */
export function envFile(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([key, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new UserDataError(`bad environment variable name: ${key}`);
      // Never echo the value: it may be a secret.
      if (/[\n\r\0]/.test(value)) throw new UserDataError(`${key} holds a line break or NUL`);
      return `${key}=${value}\n`;
    })
    .join('');
}
