// Servers a benchmark starts as its peers (nginx, HAProxy, Caddy, Traefik, kamal-proxy), stopped when it ends.
import { connect } from 'node:net';
import { ManagedProcess } from '../../common/managed-process.js';

function tcpReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a server, waits until it accepts on 127.0.0.1:`port`, registers its stop; answers its pid. */
export async function startServerProcess(name: string, argv: string[], port: number, stops: (() => Promise<void>)[], env?: NodeJS.ProcessEnv): Promise<number> {
  const proc = new ManagedProcess({ name, argv, env: env && { ...process.env, ...env } });
  stops.push(() => proc.stop(5_000));
  await proc.waitUntilReady(() => tcpReady(port), 15_000);
  return proc.child.pid ?? 0;
}
