// How Slipway reaches its image registry: which scheme (Docker's rule: plain HTTP only for
// loopback registries, or when the operator says so) and with which credentials. On AWS a
// systemd timer writes ECR credentials, as `docker-credential-ecr-login get` prints them, to a
// file every 6 h; callers read that file at each use (never caching it) and never log it.
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { SlipwayError } from './errors.js';

/** A registry login. The secret is kept out of JSON and util.inspect, so it cannot reach a log line by accident. */
export class RegistryCredentials {
  readonly #secret: string;

  constructor(
    /** The registry host the credentials are for (`host[:port]`, as the file names it), or null when the file names none. */
    readonly serverUrl: string | null,
    readonly username: string,
    secret: string,
  ) {
    this.#secret = secret;
  }

  get secret(): string {
    return this.#secret;
  }

  toJSON(): Record<string, unknown> {
    return { serverUrl: this.serverUrl, username: this.username, secret: '[redacted]' };
  }
}

/** A bad, missing or mismatched credentials file. Messages name the file and the field, never the content. */
export class RegistryAuthError extends SlipwayError {
  override name = 'RegistryAuthError';
  constructor(message: string, cause?: unknown) {
    super('registry_auth', message, { status: 500, cause });
  }
}

/** Reads the credentials for a registry at each call (null when no credentials are configured). */
export type RegistryCredentialsSource = () => Promise<RegistryCredentials | null>;

function field(parsed: Record<string, unknown>, name: string, source: string, required: boolean): string | null {
  const value = parsed[name];
  if (value === undefined || value === null) {
    if (required) throw new RegistryAuthError(`${source}: "${name}" is missing`);
    return null;
  }
  if (typeof value !== 'string') throw new RegistryAuthError(`${source}: "${name}" must be a string`);
  if (required && value.length === 0) throw new RegistryAuthError(`${source}: "${name}" is empty`);
  return value;
}

/**
 * Parses credential-helper JSON: `{"ServerURL": "...", "Username": "AWS", "Secret": "..."}`.
 * `source` names the file in errors; no error carries any of the content (JSON.parse's own
 * message quotes the input, so it is not kept as the cause).
 */
export function parseRegistryCredentials(text: string, source = 'registry credentials'): RegistryCredentials {
  if (text.trim().length === 0) throw new RegistryAuthError(`${source} is empty`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RegistryAuthError(`${source} is not JSON (expected {"ServerURL", "Username", "Secret"} as docker-credential-* get prints it)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryAuthError(`${source} is not a JSON object (expected {"ServerURL", "Username", "Secret"})`);
  }
  const object = parsed as Record<string, unknown>;
  const serverUrl = field(object, 'ServerURL', source, false);
  const username = field(object, 'Username', source, true)!;
  const secret = field(object, 'Secret', source, true)!;
  return new RegistryCredentials(serverUrl && serverUrl.length > 0 ? serverUrl : null, username, secret);
}

/** Reads and parses the credentials file at `path` (now: the file is refreshed behind our back). */
export async function readRegistryCredentials(path: string): Promise<RegistryCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist (has the credentials refresh run yet?)' : code === 'EACCES' ? 'is not readable by this process' : 'cannot be read';
    throw new RegistryAuthError(`registry credentials file ${path} ${why}`, err);
  }
  return parseRegistryCredentials(text, `registry credentials file ${path}`);
}

/** `host[:port]` of a registry named as `host[:port]` or as a URL (`https://host/`), lower-cased. */
export function registryHost(registryOrUrl: string): string {
  const withoutScheme = registryOrUrl.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return withoutScheme.split('/')[0]!.toLowerCase();
}

/** The host name of `host[:port]` (IPv6 in brackets keeps its brackets off). */
function hostName(registry: string): string {
  const host = registryHost(registry);
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** Whether Docker treats the registry as local by default: `localhost` or an address in 127.0.0.0/8. */
export function isLoopbackRegistry(registry: string): boolean {
  const name = hostName(registry);
  return name === 'localhost' || (isIPv4(name) && name.startsWith('127.'));
}

export type RegistryScheme = 'http' | 'https';

/**
 * Docker's own rule: HTTPS, except for loopback registries (127.0.0.0/8 is an insecure
 * registry by default, and `localhost` resolves there) or when the operator says plain HTTP
 * (SLIPWAY_REGISTRY_INSECURE, the counterpart of the daemon's `insecure-registries`).
 * No name is resolved: a host name other than `localhost` means HTTPS.
 */
export function registryScheme(registry: string, options: { insecure?: boolean } = {}): RegistryScheme {
  return options.insecure || isLoopbackRegistry(registry) ? 'http' : 'https';
}

/** The registry an image reference names (`host[:port]` before the first `/`), or null for Docker Hub's short names. */
export function imageRegistry(reference: string): string | null {
  const slash = reference.indexOf('/');
  if (slash < 0) return null;
  const first = reference.slice(0, slash);
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first.toLowerCase() : null;
}

/** Whether `reference` names an image in `registry`: the only images its credentials may be sent for. */
export function imageLivesIn(reference: string, registry: string): boolean {
  return imageRegistry(reference) === registryHost(registry);
}

/** The credentials, if they are for `registry`; throws when the file names another registry. */
export function credentialsFor(credentials: RegistryCredentials, registry: string, source = 'registry credentials'): RegistryCredentials {
  if (credentials.serverUrl !== null && registryHost(credentials.serverUrl) !== registryHost(registry)) {
    throw new RegistryAuthError(`${source} are for ${registryHost(credentials.serverUrl)}, not for the registry ${registryHost(registry)}`);
  }
  return credentials;
}

/**
 * Reads `path` at every call, checked to be for `registry`; with no path, there are no
 * credentials (an open registry).
 */
export function registryCredentialsFromFile(path: string | null | undefined, registry: string): RegistryCredentialsSource {
  if (!path) return async () => null;
  return async () => credentialsFor(await readRegistryCredentials(path), registry, `registry credentials in ${path}`);
}

/** `Authorization: Basic base64(user:secret)`, which distribution's htpasswd and ECR both accept. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`, 'utf8').toString('base64')}`;
}

/** Docker Engine's auth config (sent base64 JSON in X-Registry-Auth) for a pull or push from `registry`. */
export interface DockerAuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
}

/** The Engine's auth config for `registry`: empty without credentials (the Engine wants the header anyway). */
export function dockerAuthConfig(credentials: RegistryCredentials | null, registry: string): DockerAuthConfig {
  if (!credentials) return {};
  return { username: credentials.username, password: credentials.secret, serveraddress: registryHost(registry) };
}
