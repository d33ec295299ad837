// Turns each access log line into the app's log stream entry (NATS) and per-app metrics.
import type { LogLine } from '../common/protocol.js';
import { parseAccessLog, formatAccessLine, statusClass, type Attribution } from './access-log.js';
import type { RouterMetrics } from './metrics.js';

export interface AccessLogSink {
  attribution(backend: string, server: string | null): Attribution | null;
  publish(line: LogLine): void;
  metrics?: RouterMetrics;
  now?: () => Date;
}

export function accessLogHandler(sink: AccessLogSink): (message: string) => void {
  return (message) => {
    const record = parseAccessLog(message);
    if (!record) {
      sink.metrics?.accessLogLines.inc({ result: 'unparsable' });
      return;
    }
    const attribution = sink.attribution(record.backend, record.server);
    const app = attribution?.appName ?? '';
    sink.metrics?.requests.inc({ app: app || 'none', status_class: statusClass(record.status) });
    if (record.totalMs !== null) sink.metrics?.requestDuration.observe({ app: app || 'none' }, record.totalMs / 1000);
    if (!attribution || !app) {
      sink.metrics?.accessLogLines.inc({ result: 'unattributed' });
      return;
    }
    sink.publish({
      appName: app,
      source: 'router',
      process: 'router',
      line: formatAccessLine(record, attribution),
      at: (sink.now?.() ?? new Date()).toISOString(),
    });
    sink.metrics?.accessLogLines.inc({ result: 'published' });
  };
}
