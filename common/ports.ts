import { createServer } from 'node:net';

/** Below Linux's default ephemeral range (32768–60999): outgoing connections and other processes'
 *  port-0 binds are handed ports from that range, so a port chosen there and released a moment
 *  before it is listened on again can be taken meanwhile. Ports here are only taken on purpose. */
export const CHOSEN_PORT_RANGE = { low: 20000, high: 32767 } as const;

/** Ports this process has handed out recently: never handed out twice while they may still be
 *  on their way to being listened on. */
const recentlyChosen = new Set<number>();
const RECENT_LIMIT = 2048;

/** A candidate port in the range, not one handed out recently (pure but for `random`). */
export function candidatePort(recent: ReadonlySet<number>, random: () => number = Math.random, range = CHOSEN_PORT_RANGE): number {
  const span = range.high - range.low + 1;
  const start = Math.floor(random() * span);
  for (let step = 0; step < span; step += 1) {
    const port = range.low + ((start + step) % span);
    if (!recent.has(port)) return port;
  }
  return range.low + start;
}

function listensOn(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function remember(port: number): number {
  recentlyChosen.add(port);
  if (recentlyChosen.size > RECENT_LIMIT) recentlyChosen.delete(recentlyChosen.values().next().value!);
  return port;
}

/** A TCP port on 127.0.0.1 (or `host`) that was free a moment ago (for services that cannot take
 *  port 0): a random one outside the ephemeral range, so parallel test platforms and outgoing
 *  connections do not race for it; the kernel's choice only if none of 50 tries is free. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await listensOn(candidatePort(recentlyChosen), host);
    if (port !== null) return remember(port);
  }
  const port = await listensOn(0, host);
  if (port === null) throw new Error(`no free TCP port on ${host}`);
  return remember(port);
}

/** A port the kernel picks from its ephemeral range, free a moment ago: for ports that other hosts
 *  reach through firewall rules opened for that range (add-on servers, like Docker's published
 *  app ports). */
export async function ephemeralPort(host = '127.0.0.1'): Promise<number> {
  const port = await listensOn(0, host);
  if (port === null) throw new Error(`no free TCP port on ${host}`);
  return port;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
