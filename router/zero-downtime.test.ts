// Integration: a bounded client loop on loopback keeps requesting through the router while
// the app is redeployed, scaled 3 → 1 → 3 and restarted: no request may fail or be reset.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backendOf, startBackend, startTestRouter, type TestBackend, type TestRouter, startRouteSources, type RouteSources } from './testing/router-fixtures.js';

let sources: RouteSources;
let router: TestRouter;
const all: TestBackend[] = [];

beforeAll(async () => {
  sources = await startRouteSources();
  router = await startTestRouter(sources.urls);
});

afterAll(async () => {
  await router?.stop();
  for (const backend of all) {
    backend.server.closeAllConnections();
    await backend.close();
  }
  await sources?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function generation(name: string, count: number): Promise<TestBackend[]> {
  const started: TestBackend[] = [];
  for (let i = 1; i <= count; i++) {
    const backend = await startBackend(`${name}.${i}`, (req, res, self) => {
      req.resume();
      // A little work per request, so requests are in flight while routes change.
      req.on('end', () => setTimeout(() => res.end(self.name), 2));
    });
    started.push(backend);
    all.push(backend);
  }
  return started;
}

async function route(backends: TestBackend[]): Promise<void> {
  await sources.publish({
    appName: 'steady',
    hostnames: ['steady.localhost'],
    backends: backends.map((b) => backendOf(b.name, b)),
  });
}

/** What an app platform does to old instances after the route moved: SIGTERM-like graceful stop. */
async function retire(backends: TestBackend[]): Promise<void> {
  await sleep(1_000);
  await Promise.all(backends.map((b) => b.close()));
}

it('serves every request while the app is redeployed, scaled 3 → 1 → 3 and restarted', async () => {
  const v1 = await generation('v1', 3);
  await route(v1);
  await router.settled();

  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const outcome = { ok: 0, failed: 0, resets: 0, errors: [] as string[], servedBy: new Map<string, number>() };
  let running = true;
  const deadline = Date.now() + 60_000; // hard bound on the loop, whatever happens
  const maxRequests = 200_000;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const post = i % 4 === 0;
      const req = request(
        { host: '127.0.0.1', port: router.httpPort, path: `/r${i}`, method: post ? 'POST' : 'GET', agent, headers: { host: 'steady.localhost' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            if (res.statusCode === 200) {
              outcome.ok++;
              const gen = body.split('.')[0]!;
              outcome.servedBy.set(gen, (outcome.servedBy.get(gen) ?? 0) + 1);
            } else {
              outcome.failed++;
              outcome.errors.push(`${res.statusCode} ${res.headers['platform-error'] ?? ''}`);
            }
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        outcome.failed++;
        if (err.code === 'ECONNRESET') outcome.resets++;
        outcome.errors.push(err.code ?? err.message);
        resolve();
      });
      req.end(post ? 'payload' : undefined);
    });
  let sent = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (running && Date.now() < deadline && sent < maxRequests) await one(sent++);
  });

  await sleep(1_000);
  // Redeploy: a new generation takes over, the old one drains and stops.
  const v2 = await generation('v2', 3);
  await route(v2);
  await retire(v1);
  await sleep(500);
  // Scale 3 → 1.
  await route(v2.slice(0, 1));
  await retire(v2.slice(1));
  await sleep(500);
  // Scale 1 → 3.
  const v2more = await generation('v2b', 2);
  await route([v2[0]!, ...v2more]);
  await sleep(1_000);
  // Restart: every instance replaced.
  const v3 = await generation('v3', 3);
  await route(v3);
  await retire([v2[0]!, ...v2more]);
  await sleep(1_000);

  running = false;
  await Promise.all(workers);
  agent.destroy();
  console.log(`zero-downtime loop: ${outcome.ok} ok, ${outcome.failed} failed, ${outcome.resets} resets, by generation ${JSON.stringify(Object.fromEntries(outcome.servedBy))}`);
  expect(outcome.errors.slice(0, 5)).toEqual([]);
  expect(outcome.failed).toBe(0);
  expect(outcome.resets).toBe(0);
  expect(outcome.ok).toBeGreaterThan(500);
  for (const gen of ['v1', 'v2', 'v2b', 'v3']) expect(outcome.servedBy.get(gen) ?? 0).toBeGreaterThan(0);
});
