// One client may not take every connection of the router (real HAProxy, raw TCP on
// 127.0.0.1): beyond its share, new connections are refused at once, its existing ones keep
// answering, and a connection it closes frees a place.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startRouteSources, startTestRouter, type RouteSources, type TestRouter } from './testing/router-fixtures.js';

const PER_CLIENT = 5;
let sources: RouteSources;
let router: TestRouter;
const sockets: Socket[] = [];

beforeAll(async () => {
  sources = await startRouteSources();
  router = await startTestRouter(sources.urls, { SLIPWAY_ROUTER_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT) });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await router?.stop();
  await sources?.stop();
});

/** Connects; resolves with whether the router kept the connection open for `holdMs`. */
function open(holdMs: number): Promise<{ socket: Socket; kept: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: router.httpPort });
    sockets.push(socket);
    socket.on('error', () => {});
    const timer = setTimeout(() => resolve({ socket, kept: true }), holdMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ socket, kept: false });
    });
  });
}

function ask(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk) => resolve(chunk.toString()));
    socket.write('GET / HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n');
  });
}

test(`the ${PER_CLIENT + 1}th concurrent connection of one client is refused; closing one frees a place`, async () => {
  const held = [];
  for (let i = 0; i < PER_CLIENT; i++) held.push(await open(300));
  expect(held.map((c) => c.kept)).toEqual(Array(PER_CLIENT).fill(true));

  expect((await open(1_000)).kept).toBe(false);
  // the client's own connections still answer (the no-such-app page here)
  expect(await ask(held[0]!.socket)).toMatch(/^HTTP\/1\.1 404/);

  held[1]!.socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await open(500)).kept).toBe(true);
});
