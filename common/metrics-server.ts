// An operator-only /metrics endpoint (Prometheus text) on its own port, bound where the caller
// says (127.0.0.1 by default), never on a public listener. The router and the control plane
// each serve one; what they expose is theirs to render.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsExposition {
  contentType: string;
  /** The whole exposition, rendered per scrape. */
  render(): Promise<string>;
}

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export function startMetricsServer(options: { host: string; port: number; exposition: MetricsExposition }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    options.exposition.render().then(
      (text) => res.writeHead(200, { 'content-type': options.exposition.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `http://${options.host}:${port}/metrics`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
