// The controller's own Prometheus metrics (HAProxy's exporter covers the data plane per slot;
// these are per app, fed by the access log and the route sync).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RouterMetrics {
  registry: Registry;
  requests: Counter<'app' | 'status_class'>;
  requestDuration: Histogram<'app'>;
  backends: Gauge<'app'>;
  routeUpdates: Counter<'source'>;
  routeApplySeconds: Histogram<never>;
  reloads: Counter<never>;
  runtimeApiErrors: Counter<never>;
  resyncs: Counter<'result'>;
  accessLogLines: Counter<'result'>;
}

export function createRouterMetrics(): RouterMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'slipway_router_requests_total',
      help: 'Requests served, by app and status class (from the access log).',
      labelNames: ['app', 'status_class'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'slipway_router_request_duration_seconds',
      help: 'Time from the request to the end of the response, by app.',
      labelNames: ['app'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    backends: new Gauge({
      name: 'slipway_router_backends',
      help: 'Backends receiving new requests, by app.',
      labelNames: ['app'],
      registers,
    }),
    routeUpdates: new Counter({
      name: 'slipway_router_route_updates_total',
      help: 'Route updates received, by source (nats, resync).',
      labelNames: ['source'],
      registers,
    }),
    routeApplySeconds: new Histogram({
      name: 'slipway_router_route_apply_seconds',
      help: 'Time from receiving a route change to HAProxy serving it.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    reloads: new Counter({ name: 'slipway_router_haproxy_reloads_total', help: 'Hitless HAProxy reloads (slot pool growth).', registers }),
    runtimeApiErrors: new Counter({
      name: 'slipway_router_runtime_api_errors_total',
      help: 'Runtime API commands HAProxy refused (followed by a repair).',
      registers,
    }),
    resyncs: new Counter({ name: 'slipway_router_resyncs_total', help: 'Full re-reads of the route table.', labelNames: ['result'], registers }),
    accessLogLines: new Counter({
      name: 'slipway_router_access_log_lines_total',
      help: 'Access log lines received from HAProxy, by result (published, unattributed, unparsable).',
      labelNames: ['result'],
      registers,
    }),
  };
}
