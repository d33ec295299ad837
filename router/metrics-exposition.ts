// What the router's operator-only /metrics shows: the controller's metrics followed by
// HAProxy's own Prometheus exporter (read from its unix socket), as one exposition.
import { request } from 'node:http';
import type { Registry } from 'prom-client';
import type { MetricsExposition } from '../common/metrics-server.js';

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

/** The controller's metrics followed by HAProxy's, for common/metrics-server.ts. The controller's
 *  are served even while HAProxy's exporter is unreachable. */
export function routerExposition(registry: Registry, haproxySocket: string): MetricsExposition {
  return {
    contentType: registry.contentType,
    render: async () => {
      const own = await registry.metrics();
      const haproxy = await fetchHaproxyMetrics(haproxySocket).catch((err: Error) => `# haproxy exporter unavailable: ${err.message}\n`);
      return `${own}\n${haproxy}`;
    },
  };
}
