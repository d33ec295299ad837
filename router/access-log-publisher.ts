// Turns access log lines into the apps' log streams and per-app metrics. Lines are batched
// per app and published every `flushMs` as one message each: one NATS publish per request
// would cost the controller more CPU than HAProxy spends proxying the request.
import type { LogBatch } from '../common/protocol.js';
import { formatAccessLine, parseAccessLog, statusClass, type Attribution } from './access-log.js';
import type { RouterMetrics } from './metrics.js';
import type { TrafficWindow } from './traffic-window.js';

export interface AccessLogSink {
  attribution(backend: string, server: string | null): Attribution | null;
  publish(batch: LogBatch): void;
  metrics?: RouterMetrics;
  /** Each attributed request, for the app's traffic window (traffic-window.ts). */
  traffic?: TrafficWindow;
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

/** A batch this long is published at once rather than waiting for the next flush. */
export const MAX_BATCH_LINES = 256;

/** Many lines share a millisecond: format each one's time once. */
function isoTimes(): (ms: number) => string {
  let lastMs = -1;
  let lastIso = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
}

export function accessLogHandler(sink: AccessLogSink): AccessLogHandler {
  const pending = new Map<string, { line: string; at: string }[]>();
  const iso = isoTimes();
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
    sink.traffic?.record(app, statusClass(record.status), record.totalMs, record.bytes);
    let lines = pending.get(app);
    if (!lines) pending.set(app, (lines = []));
    lines.push({ line: formatAccessLine(record, attribution), at: iso(record.acceptedAtMs) });
    if (lines.length >= MAX_BATCH_LINES) publish(app, lines);
  };
  const publish = (appName: string, lines: { line: string; at: string }[]) => {
    pending.delete(appName);
    sink.publish({ appName, source: 'router', process: 'router', lines });
    sink.metrics?.accessLogLines.inc({ result: 'published' }, lines.length);
  };
  const flush = () => {
    for (const [appName, lines] of pending) publish(appName, lines);
  };
  return Object.assign(handle, { flush });
}
