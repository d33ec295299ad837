// Starts the router: HAProxy as the data plane, this process as its controller (route and
// certificate sync, access logs, metrics). See README.md for the design.
import { inboxPrefix, ROUTER_NATS_USER } from '../common/nats-auth.js';
import { natsServerOptions } from '../common/nats-url.js';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../common/logger.js';
import { describeError } from '../common/errors.js';
import { runShutdownSteps, type ShutdownStep } from '../common/shutdown-steps.js';
import { freePort } from '../common/ports.js';
import { decode, encode, subjects, type LogBatch } from '../common/protocol.js';
import { z } from 'zod';
import { accessLogHandler } from './access-log-publisher.js';
import { TrafficWindow } from './traffic-window.js';
import { TrafficOutbox } from './traffic-outbox.js';
import { randomUUID } from 'node:crypto';
import { CertificateSync } from './certificate-sync.js';
import type { RouterConfig } from './config.js';
import { DataPlane } from './data-plane.js';
import { applyOp, emptyState, addSlots, type DataPlaneState } from './data-plane-state.js';
import { ensureDefaultCertificate } from './default-certificate.js';
import { renderHaproxyConfig, renderHostsMap } from './haproxy-config.js';
import { assertHaproxyInstalled, startHaproxy, type HaproxyProcess } from './haproxy-process.js';
import { ROUTER_LUA } from './lua-script.js';
import { startLogReceiver } from './log-receiver.js';
import { startMetricsServer } from '../common/metrics-server.js';
import { routerExposition } from './metrics-exposition.js';
import { createRouterMetrics } from './metrics.js';
import { renderPageMap } from './pages.js';
import { readCertificateRecord, readCertificateRecords, readRouteSnapshot } from './redis-source.js';
import { grownSlotCount, planRouteChanges } from './route-diff.js';
import { RouteSync } from './route-sync.js';
import { unixSocketRuntimeApi } from './runtime-api.js';
import { statePaths } from './state-paths.js';

export interface RunningRouter {
  httpPort: number;
  httpsPort: number;
  metricsPort: number;
  /** The HAProxy master process's pid (for operators and tests). */
  haproxyPid: number;
  /** Resolves once every route change received so far is applied (tests, health checks). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const certificateChanged = z.object({ hostname: z.string().min(1) });
/** Access log lines reach the app's log stream within this long (in batches per app). */
const ACCESS_LOG_FLUSH_MS = 100;

export interface RouterOptions {
  /** Called when HAProxy dies on its own (the process entry exits, so its supervisor restarts it). */
  onDataPlaneExit?: () => void;
  /** False only in the benchmark, to measure the access-log path's cost: no lines, no log stream, no request metrics. */
  accessLog?: boolean;
}

export async function startRouter(config: RouterConfig, logger: Logger, options: RouterOptions = {}): Promise<RunningRouter> {
  const version = assertHaproxyInstalled(config.haproxyBinary);
  const paths = statePaths(config.stateDir);
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  await chmod(config.stateDir, 0o700);
  const defaultCertificate = config.defaultCertificatePath ?? paths.defaultCertificate;
  if (!config.defaultCertificatePath && (await ensureDefaultCertificate(paths.defaultCertificate, config.appsDomain))) {
    logger.info({ domain: config.appsDomain }, 'generated a self-signed default certificate');
  }
  const ports = {
    http: config.httpPort || (await freePort()),
    https: config.httpsPort || (await freePort()),
  };
  const metrics = createRouterMetrics();
  // what started is stopped in reverse, each step whatever the others do
  const cleanup: ShutdownStep[] = [];
  let stopping = false;
  const stopAll = () =>
    runShutdownSteps(cleanup.splice(0).reverse(), (name, err) => logger.warn({ step: name, err: describeError(err) }, 'router shutdown step failed'));

  try {
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
    redis.on('error', (err) => logger.debug({ err: err.message }, 'redis'));
    await redis.connect();
    cleanup.push({ name: 'Redis', run: () => redis.quit() });
    const nc: NatsConnection = await connect({ ...natsServerOptions(config.natsUrl), inboxPrefix: inboxPrefix(ROUTER_NATS_USER), name: 'slipway-router', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    cleanup.push({ name: 'NATS', run: () => nc.drain() });

    // Watch before listing, so nothing published while the snapshot is read is missed.
    const sync = new RouteSync({ appsDomain: config.appsDomain, readSnapshot: () => readRouteSnapshot(redis, config.appsDomain), logger, metrics });
    const subscriptions: Subscription[] = [];
    subscriptions.push(
      nc.subscribe(subjects.routeChanged, {
        callback: (err, msg) => {
          if (err) return logger.warn({ err: err.message }, 'route subscription');
          try {
            sync.applyMessage(JSON.parse(new TextDecoder().decode(msg.data)));
          } catch (parseError) {
            logger.warn({ err: describeError(parseError) }, 'ignored an unreadable route message');
          }
        },
      }),
    );
    await sync.resync();

    const certificates = new CertificateSync(
      paths,
      { readAll: () => readCertificateRecords(redis), readOne: (hostname) => readCertificateRecord(redis, hostname) },
      logger,
    );
    await certificates.writeInitialFiles();

    // The first state is planned like any change, applied to the files HAProxy starts from.
    const initial = emptyState(config.backendSlots);
    const plan = planRouteChanges(sync.table, initial, { now: Date.now(), slotQuarantineMs: 0 });
    if (plan.appsWithoutSlot.length > 0) addSlots(initial, grownSlotCount(config.backendSlots, plan.appsWithoutSlot.length) - config.backendSlots);
    for (const op of planRouteChanges(sync.table, initial, { now: Date.now(), slotQuarantineMs: 0 }).ops) applyOp(initial, op);

    let dataPlane: DataPlane | null = null;
    // Lines go to the stream of the app that holds the name now; an app deleted since (its
    // route gone) gets none, so a new app of the same name never sees the old one's requests.
    const publish = (batch: LogBatch) => {
      const appId = sync.table.get(batch.appName)?.appId;
      if (appId) nc.publish(subjects.logs(appId), encode({ ...batch, appId }));
    };
    const traffic = new TrafficWindow();
    const accessLogs = accessLogHandler({ attribution: (b, s) => dataPlane?.attribution(b, s) ?? null, publish, metrics, traffic });
    const logReceiver = await startLogReceiver(accessLogs);
    const flushTimer = setInterval(() => accessLogs.flush(), ACCESS_LOG_FLUSH_MS);
    // each app's traffic over the window, for the metrics its users see
    // (requests and bytes are metered usage: each window is sent until a control plane keeps it)
    const routerId = randomUUID();
    const outbox = new TrafficOutbox(async (window) => {
      await nc.request(subjects.routerTraffic, encode(window), { timeout: 5_000 });
    });
    let windowStart = Date.now();
    const trafficTimer = setInterval(() => {
      const windowEnd = Date.now();
      const apps = traffic.drain().flatMap((app) => {
        const appId = sync.table.get(app.appName)?.appId;
        return appId ? [{ ...app, appId }] : [];
      });
      if (apps.length > 0) outbox.add({ routerId, windowStart: new Date(windowStart).toISOString(), windowEnd: new Date(windowEnd).toISOString(), apps });
      windowStart = windowEnd;
      void outbox.flush();
    }, config.trafficWindowMs);
    cleanup.push({
      name: 'traffic and access logs',
      run: async () => {
        clearInterval(trafficTimer);
        clearInterval(flushTimer);
        await logReceiver.close();
        accessLogs.flush();
      },
    });

    const writeFiles = async (state: DataPlaneState) => {
      await writeFile(paths.luaScript, ROUTER_LUA);
      await writeFile(paths.pagesMap, renderPageMap(config.pageBrand));
      await writeFile(paths.hostsMap, renderHostsMap(state));
      const haproxyConfig = renderHaproxyConfig({
        settings: config,
        ports,
        logPort: logReceiver.port,
        accessLog: options.accessLog,
        paths: { ...paths, defaultCertificate },
        state,
      });
      await writeFile(paths.config, haproxyConfig, { mode: 0o600 });
    };
    await writeFiles(initial);

    const runtime = unixSocketRuntimeApi(paths.adminSocket);
    const haproxy: HaproxyProcess = await startHaproxy({
      binary: config.haproxyBinary,
      configPath: paths.config,
      masterSocket: paths.masterSocket,
      runtime,
      logger,
    });
    cleanup.push({ name: 'HAProxy', run: () => haproxy.stop() });
    haproxy.process.exited.then(({ code, signal }) => {
      if (stopping) return;
      logger.error({ code, signal }, 'haproxy exited unexpectedly');
      options.onDataPlaneExit?.();
    });
    certificates.attach(runtime);

    dataPlane = new DataPlane(initial, {
      runtime,
      commandContext: { hostsMapPath: paths.hostsMap, healthCheckIntervalMs: config.healthCheckIntervalMs },
      reload: async (state) => {
        await writeFiles(state);
        await haproxy.reload();
      },
      drainTimeoutMs: config.drainTimeoutMs,
      logger,
      metrics,
    });
    dataPlane.start();
    cleanup.push({ name: 'data plane', run: () => dataPlane!.stop() });
    const plane = dataPlane;
    sync.onChange((table, change) => void plane.update(table, { receivedAt: change.receivedAt, repair: change.resync }));
    // Anything that arrived while HAProxy was starting.
    await plane.update(sync.table);

    subscriptions.push(
      nc.subscribe(subjects.certificateChanged, {
        callback: (err, msg) => {
          if (err) return;
          try {
            void certificates.changed(decode(certificateChanged, msg.data).hostname);
          } catch (parseError) {
            logger.warn({ err: describeError(parseError) }, 'ignored an unreadable certificate message');
          }
        },
      }),
    );
    cleanup.push({ name: 'subscriptions', run: () => subscriptions.forEach((s) => s.unsubscribe()) });
    await certificates.resync();

    sync.startPeriodicResync(config.resyncIntervalMs);
    const certificateTimer = setInterval(() => void certificates.resync(), config.resyncIntervalMs);
    certificateTimer.unref();
    cleanup.push({
      name: 'route and certificate sync',
      run: () => {
        sync.stop();
        clearInterval(certificateTimer);
      },
    });
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'reconnect') {
          logger.info('NATS reconnected: resyncing routes and certificates');
          void sync.resync();
          void certificates.resync();
        }
      }
    })();

    const metricsServer = await startMetricsServer({
      host: config.metricsBind,
      port: config.metricsPort,
      exposition: routerExposition(metrics.registry, paths.prometheusSocket),
    });
    cleanup.push({ name: 'metrics server', run: () => metricsServer.close() });

    logger.info({ http: ports.http, https: ports.https, metrics: metricsServer.port, haproxy: version }, 'router started');
    return {
      httpPort: ports.http,
      httpsPort: ports.https,
      metricsPort: metricsServer.port,
      haproxyPid: haproxy.process.child.pid ?? 0,
      // A NATS round trip first: every message published before the call has then been received.
      settled: async () => {
        await nc.flush();
        await plane.update(sync.table);
      },
      stop: async () => {
        stopping = true;
        await stopAll();
      },
    };
  } catch (err) {
    // a start that failed stops what it began: HAProxy's exit is then expected, and the error
    // itself is what the caller reports
    stopping = true;
    await stopAll();
    throw err;
  }
}
