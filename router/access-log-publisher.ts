// Turns access log lines into the apps' log streams and per-app metrics. Lines are batched
// per app and published every `flushMs` as one message each: one NATS publish per request
// would cost the controller more CPU than HAProxy spends proxying the request. Request counts
// are summed in plain numbers and handed to the metrics once per flush (a labelled counter's
// increment costs more than reading the line).
import type { LogBatch } from '../common/protocol.js';
import { herokuLine, readAccessLine, statusClass, type Attribution } from './access-log.js';
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

/** Status classes by hundreds; index 0 holds statuses outside 100–599 (`none`). */
const CLASS_BY_INDEX = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];
const classIndex = (status: number) => (status >= 100 && status < 600 ? Math.floor(status / 100) : 0);

/** Per-app metrics: counts summed here until the flush, the latency histogram's children looked up once per app. */
function requestMetrics(metrics: RouterMetrics | undefined) {
  const counts = new Map<string, number[]>();
  const histograms = new Map<string, ReturnType<RouterMetrics['requestDuration']['labels']>>();
  return {
    count(app: string, status: number) {
      if (!metrics) return;
      let byClass = counts.get(app);
      if (!byClass) counts.set(app, (byClass = CLASS_BY_INDEX.map(() => 0)));
      byClass[classIndex(status)]!++;
    },
    observe(app: string, seconds: number) {
      if (!metrics) return;
      let child = histograms.get(app);
      if (!child) histograms.set(app, (child = metrics.requestDuration.labels({ app })));
      child.observe(seconds);
    },
    flush() {
      for (const [app, byClass] of counts) {
        byClass.forEach((count, index) => {
          if (count > 0) metrics?.requests.inc({ app, status_class: CLASS_BY_INDEX[index]! }, count);
        });
        byClass.fill(0);
      }
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
  const requests = requestMetrics(sink.metrics);
  const handle = (message: string) => {
    const record = readAccessLine(message);
    if (!record) {
      sink.metrics?.accessLogLines.inc({ result: 'unparsable' });
      return;
    }
    const attribution = sink.attribution(record.backend, record.server);
    const app = attribution?.appName || 'none';
    requests.count(app, record.status);
    if (record.totalMs !== null) requests.observe(app, record.totalMs / 1000);
    if (!attribution || !attribution.appName) {
      sink.metrics?.accessLogLines.inc({ result: 'unattributed' });
      return;
    }
    sink.traffic?.record(app, statusClass(record.status), record.totalMs, record.bytes);
    let lines = pending.get(app);
    if (!lines) pending.set(app, (lines = []));
    lines.push({ line: herokuLine(record, attribution), at: iso(record.acceptedAtMs) });
    if (lines.length >= MAX_BATCH_LINES) publish(app, lines);
  };
  const publish = (appName: string, lines: { line: string; at: string }[]) => {
    pending.delete(appName);
    sink.publish({ appName, source: 'router', process: 'router', lines });
    sink.metrics?.accessLogLines.inc({ result: 'published' }, lines.length);
  };
  const flush = () => {
    requests.flush();
    for (const [appName, lines] of pending) publish(appName, lines);
  };
  return Object.assign(handle, { flush });
}
