// nats-server running the AWS control-plane host's config (natsServerConfig) with a given
// authorization, on a free port in a temp dir: what the NATS permission tests run against.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { NatsUser } from '../../common/nats-auth.js';
import { renderNatsAuthorization } from '../../common/nats-auth.js';
import { freePort } from '../../common/ports.js';
import { natsServerConfig } from '../../provisioner/aws/control-plane-user-data.js';
import { ManagedProcess } from '../../common/managed-process.js';

export interface AwsConfigNats {
  url: string;
  configFile: string;
  /** Connects as `user` (no reconnects); the connection is closed by stop(). */
  open(user: string, pass: string, options?: { inboxPrefix?: string }): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startNatsWithAwsConfig(users: readonly NatsUser[]): Promise<AwsConfigNats> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-test-aws-nats-'));
  await mkdir(join(dir, 'auth'));
  const port = await freePort();
  const configFile = join(dir, 'nats.conf');
  await writeFile(configFile, natsServerConfig({ listen: `127.0.0.1:${port}`, monitor: `127.0.0.1:${await freePort()}`, storeDir: join(dir, 'js') }));
  await writeFile(join(dir, 'auth', 'auth.conf'), renderNatsAuthorization(users));
  const lines: string[] = [];
  const server = new ManagedProcess({ name: 'nats', argv: ['nats-server', '-c', configFile], onLine: (line) => lines.push(line) });
  const url = `nats://127.0.0.1:${port}`;
  const connections: NatsConnection[] = [];
  const open = async (user: string, pass: string, options: { inboxPrefix?: string } = {}) => {
    const nc = await connect({ servers: url, user, pass, reconnect: false, ...options });
    connections.push(nc);
    return nc;
  };
  const stop = async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await server.stop(5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await server.waitUntilReady(async () => lines.some((line) => line.includes('Server is ready')), 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, configFile, open, stop };
}
