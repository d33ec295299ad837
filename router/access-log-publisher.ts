// Turns access log lines into the apps' log streams and per-app metrics. Lines are batched
// per app and published every `flushMs` as one message each: one NATS publish per request
// would cost the controller more CPU than HAProxy spends proxying the request.
import type { LogBatch } from '../common/protocol.js';
import { formatAccessLine, parseAccessLog, statusClass, type Attribution } from './access-log.js';
import type { RouterMetrics } from './metrics.js';

export interface AccessLogSink {
  attribution(backend: string, server: string | null): Attribution | null;
  publish(batch: LogBatch): void;
  metrics?: RouterMetrics;
}

export interface AccessLogHandler {
  (message: string): void;
  /** Publishes what is pending now. */
  flush(): void;
}

/** Per-app metric children, looked up once per app rather than per request. */
function metricChildren(metrics: RouterMetrics | undefined) {
  const counters = new Map<string, ReturnType<RouterMetrics['requests']['labels']>>();
  const histograms = new Map<string, ReturnType<RouterMetrics['requestDuration']['labels']>>();
  return {
    count(app: string, status: number) {
      if (!metrics) return;
      const key = `${app} ${statusClass(status)}`;
      let child = counters.get(key);
      if (!child) counters.set(key, (child = metrics.requests.labels({ app, status_class: statusClass(status) })));
      child.inc();
    },
    observe(app: string, seconds: number) {
      if (!metrics) return;
      let child = histograms.get(app);
      if (!child) histograms.set(app, (child = metrics.requestDuration.labels({ app })));
      child.observe(seconds);
    },
  };
}

export function accessLogHandler(sink: AccessLogSink): AccessLogHandler {
  const pending = new Map<string, { line: string; atMs: number }[]>();
  const children = metricChildren(sink.metrics);
  const handle = (message: string) => {
    const record = parseAccessLog(message);
    if (!record) {
      sink.metrics?.accessLogLines.inc({ result: 'unparsable' });
      return;
    }
    const attribution = sink.attribution(record.backend, record.server);
    const app = attribution?.appName || 'none';
    children.count(app, record.status);
    if (record.totalMs !== null) children.observe(app, record.totalMs / 1000);
    if (!attribution || !attribution.appName) {
      sink.metrics?.accessLogLines.inc({ result: 'unattributed' });
      return;
    }
    let lines = pending.get(app);
    if (!lines) pending.set(app, (lines = []));
    lines.push({ line: formatAccessLine(record, attribution), atMs: record.acceptedAtMs });
  };
  const flush = () => {
    for (const [appName, lines] of pending) {
      sink.publish({
        appName,
        source: 'router',
        process: 'router',
        lines: lines.map(({ line, atMs }) => ({ line, at: new Date(atMs).toISOString() })),
      });
      sink.metrics?.accessLogLines.inc({ result: 'published' }, lines.length);
    }
    pending.clear();
  };
  return Object.assign(handle, { flush });
}
