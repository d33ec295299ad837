// NATS URLs may carry credentials (nats://user:password@host:port), but nats.js ignores
// credentials in a server URL: split them out into connection options.

export interface NatsServerOptions {
  servers: string;
  user?: string;
  pass?: string;
}

export function natsServerOptions(natsUrl: string): NatsServerOptions {
  const url = new URL(natsUrl);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { servers: url.toString(), ...(user ? { user, pass } : {}) };
}

/** `natsUrl` with `user`/`password` set (for handing a component its own credentials). */
export function natsUrlWithCredentials(natsUrl: string, user: string, password: string): string {
  const url = new URL(natsUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString().replace(/\/$/, '');
}
