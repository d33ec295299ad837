// What the control plane tells the operator through /metrics: disk pressure on its state dir and
// on the Docker Engine's data root (builds, and local hosts' containers and images), and what
// other parts register (log drains' delivered and dropped lines).
import Docker from 'dockerode';
import { Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';
import type { ControlPlaneConfig } from './config.js';
import { DiskPressureMonitor, watchDiskPressure } from './disk/pressure.js';
import { startMetricsServer } from '../common/metrics-server.js';

export interface OperatorMetrics {
  /** Where /metrics is served, or null when its port could not be bound (logged). */
  url: string | null;
  /** Where the control plane's other parts register what they report (log drains). */
  registry: Registry;
  stop(): Promise<void>;
}

/** The Engine's data root, asked once it answers (null while it does not: nothing to measure). */
function dockerDataRoot(docker: Docker): () => Promise<string | null> {
  let root: string | null = null;
  return async () => {
    root ??= ((await docker.info().catch(() => null)) as { DockerRootDir?: string } | null)?.DockerRootDir ?? null;
    return root;
  };
}

export async function startOperatorMetrics(config: Pick<ControlPlaneConfig, 'home' | 'disk' | 'metrics'>, logger: Logger): Promise<OperatorMetrics> {
  const registry = new Registry();
  const monitor = new DiskPressureMonitor(
    [
      { name: 'state', path: async () => config.home },
      { name: 'docker', path: dockerDataRoot(new Docker()) },
    ],
    { minFreeBytes: config.disk.minFreeBytes, minFreeRatio: config.disk.minFreeRatio },
    registry,
    logger.child({ part: 'disk' }),
  );
  const stopWatching = watchDiskPressure(monitor, config.disk.checkIntervalMs);
  // Metrics are for the operator: a port already taken must not keep the API from starting.
  const server = await startMetricsServer({ host: '127.0.0.1', port: config.metrics.port, exposition: { contentType: registry.contentType, render: () => registry.metrics() } }).catch((err: unknown) => {
    logger.error({ err, port: config.metrics.port }, 'could not serve /metrics (SLIPWAY_CONTROL_PLANE_METRICS_PORT)');
    return null;
  });
  return {
    url: server?.url ?? null,
    registry,
    async stop() {
      stopWatching();
      await server?.close();
    },
  };
}
