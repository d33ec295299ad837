import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../common/ports.js';
import { bootProbeDelay, httpAnswers, probeUrl } from './boot-probe.js';

const servers: { close(): void }[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

function listen<S extends Server | ReturnType<typeof createTcpServer>>(server: S): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('httpAnswers', () => {
  it('counts any HTTP response as bound, errors included', async () => {
    const port = await listen(createHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end('not ready');
    }));
    expect(await httpAnswers('127.0.0.1', port)).toBe(true);
  });

  it('is false when nothing listens', async () => {
    expect(await httpAnswers('127.0.0.1', await freePort())).toBe(false);
  });

  it('is false when the connection is accepted then reset, like an idle userland proxy', async () => {
    const port = await listen(createTcpServer((socket) => socket.resetAndDestroy()));
    expect(await httpAnswers('127.0.0.1', port)).toBe(false);
  });

  it('is false when the connection is accepted and held silent past the timeout', async () => {
    const port = await listen(createTcpServer((socket) => sockets.push(socket)));
    expect(await httpAnswers('127.0.0.1', port, 200)).toBe(false);
  });

  it('brackets IPv6 addresses', () => {
    expect(probeUrl('127.0.0.1', 5000)).toBe('http://127.0.0.1:5000/');
    expect(probeUrl('fd00::5', 5000)).toBe('http://[fd00::5]:5000/');
  });
});

describe('bootProbeDelay', () => {
  it('checks every 25 ms for the first 3 s after the start, then at the interval', () => {
    expect([0, 500, 2999, 3000, 60_000].map((elapsed) => bootProbeDelay(elapsed, 250))).toEqual([25, 25, 25, 250, 250]);
    expect(bootProbeDelay(0, 5)).toBe(5);
  });
});
