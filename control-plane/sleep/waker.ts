// The waker: where the routers send a sleeping app's requests (SLIPWAY_ROUTER_WAKE_UPSTREAMS).
// It wakes the app, holds each request until a web dyno is up, then passes it to that dyno and
// streams the answer back, so the first request is answered, not failed. Once the dyno is up the
// app's route leads to it again and the routers stop coming here. Answers with the API's error
// shape when there is no such app (404) or it did not start in time (503).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { App } from '../../common/types.js';
import type { AppStore } from '../store/apps.js';
import type { HostStore } from '../store/hosts.js';
import type { InstanceStore } from '../store/instances.js';
import type { AppSleep } from './service.js';

export interface WakerDeps {
  apps: Pick<AppStore, 'getByName' | 'byDomain' | 'setWaking'>;
  instances: Pick<InstanceStore, 'listForApp'>;
  hosts: Pick<HostStore, 'list'>;
  sleep: Pick<AppSleep, 'wake'>;
  appsDomain: string;
  /** How long a request waits for the app's first web dyno. */
  bootTimeoutMs: number;
  logger: Logger;
}

/** Pure: the app name of a default hostname (`shop.<apps domain>`), else null (a custom domain). */
export function defaultHostApp(host: string, appsDomain: string): string | null {
  const suffix = `.${appsDomain}`;
  if (!host.endsWith(suffix)) return null;
  const name = host.slice(0, -suffix.length);
  return name.includes('.') ? null : name;
}

function answerError(res: ServerResponse, status: number, id: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify({ id, message })}\n`);
}

export class Waker {
  private server: Server | null = null;

  constructor(private readonly deps: WakerDeps) {}

  async listen(port: number, host: string): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
      const app = await this.appFor(host);
      if (!app) return answerError(res, 404, 'not_found', `No app is at ${host}.`);
      const backend = await this.upDyno(app);
      if (!backend) return answerError(res, 503, 'app_not_started', `${app.name} did not start within ${Math.round(this.deps.bootTimeoutMs / 1000)} s of being woken.`);
      this.pass(req, res, backend);
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err) }, 'waking an app for a request failed');
      answerError(res, 503, 'app_not_started', 'The app could not be woken.');
    }
  }

  private async appFor(host: string): Promise<App | null> {
    const name = defaultHostApp(host, this.deps.appsDomain);
    return name ? this.deps.apps.getByName(name) : this.deps.apps.byDomain(host);
  }

  /** Wakes the app if it sleeps, then waits for a web dyno that is up. */
  private async upDyno(app: App): Promise<{ address: string; port: number } | null> {
    await this.deps.sleep.wake(app);
    const deadline = Date.now() + this.deps.bootTimeoutMs;
    while (Date.now() < deadline) {
      const up = (await this.deps.instances.listForApp(app.id)).find((i) => i.type === 'web' && i.state === 'up' && i.port !== null);
      if (up) {
        const host = (await this.deps.hosts.list()).find((h) => h.id === up.hostId);
        if (host) {
          // awake with a dyno to answer: its route may lead to that dyno now
          if ((await this.deps.apps.getByName(app.name))?.waking) await this.deps.apps.setWaking(app.id, false);
          return { address: host.address, port: up.port! };
        }
      }
      await sleep(50);
    }
    return null;
  }

  /** The request to the dyno as the router sent it (its forwarding headers included), the answer back. */
  private pass(req: IncomingMessage, res: ServerResponse, backend: { address: string; port: number }): void {
    const upstream = request({ host: backend.address, port: backend.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', (err) => answerError(res, 502, 'app_unreachable', `The woken app did not answer: ${err.message}`));
    req.pipe(upstream);
  }
}
