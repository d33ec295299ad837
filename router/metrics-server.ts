// The operator-only /metrics endpoint: the controller's metrics followed by HAProxy's own
// Prometheus exporter (read from its unix socket), as one exposition.
import { createServer, request, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function fetchHaproxyMetrics(socketPath: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/metrics', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HAProxy exporter answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('HAProxy exporter did not answer')));
    req.on('error', reject);
    req.end();
  });
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export function startMetricsServer(options: { host: string; port: number; registry: Registry; haproxySocket: string }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void (async () => {
      const own = await options.registry.metrics();
      // The controller's metrics are served even while HAProxy's exporter is unreachable.
      const haproxy = await fetchHaproxyMetrics(options.haproxySocket).catch((err: Error) => `# haproxy exporter unavailable: ${err.message}\n`);
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(`${own}\n${haproxy}`);
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
