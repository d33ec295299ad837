// metrics: an app's traffic through the routers and its dynos' memory and CPU over the last
// minutes, as figures and compact text charts (asciichart).
import { plot } from 'asciichart';
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppMetricsJson } from '../../common/api-shapes.js';
import { parsePositiveInteger } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';

/** Pure: at most `width` points, each the mean of the samples it stands for. */
export function squeeze(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    const part = values.slice(from, Math.max(to, from + 1));
    out.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  return out;
}

/** Pure: the period's traffic in figures (requests, throughput, errors, latency), and a p95 chart. */
export function trafficLines(router: AppMetricsJson['router'], width = 60): string[] {
  if (router.length === 0) return [];
  const requests = router.reduce((sum, w) => sum + w.requests, 0);
  const seconds = router.reduce((sum, w) => sum + (Date.parse(w.window_end) - Date.parse(w.window_start)) / 1000, 0);
  const count = (cls: string) => router.reduce((sum, w) => sum + (w.status_classes[cls] ?? 0), 0);
  const last = router.at(-1)!;
  const worstP95 = Math.max(...router.map((w) => w.p95_ms ?? 0));
  const lines = [
    `=== router: ${requests} requests, ${seconds > 0 ? Math.round((requests / seconds) * 100) / 100 : 0} req/s; 2xx ${count('2xx')}, 3xx ${count('3xx')}, 4xx ${count('4xx')}, 5xx ${count('5xx')}`,
    `latest window: p50 ${last.p50_ms ?? '-'} ms, p95 ${last.p95_ms ?? '-'} ms, p99 ${last.p99_ms ?? '-'} ms; worst p95 ${worstP95} ms`,
  ];
  if (router.length > 1) lines.push('p95 latency (ms)', plot(squeeze(router.map((w) => w.p95_ms ?? 0), width), { height: 5 }));
  return lines;
}

/** Pure: the traffic, then each dyno's latest figures and a memory and a CPU chart of the period. */
export function metricsLines(metrics: AppMetricsJson, width = 60): string[] {
  const lines: string[] = trafficLines(metrics.router, width);
  if (metrics.dynos.length === 0) return [...lines, `No samples of ${metrics.app}'s dynos since ${metrics.since} (they are sampled every 30 s while they run).`];
  for (const dyno of metrics.dynos) {
    const last = dyno.samples.at(-1)!;
    const share = last.memory_limit_mb > 0 ? ` (${Math.round((last.memory_rss_mb / last.memory_limit_mb) * 100)}%)` : '';
    lines.push(`=== ${dyno.dyno}: memory ${last.memory_rss_mb} MB of ${last.memory_limit_mb} MB${share}, CPU ${last.cpu_percent}%, restarts ${dyno.restarts ?? '-'} (${dyno.samples.length} samples)`);
    if (dyno.samples.length > 1) {
      lines.push('memory (MB)', plot(squeeze(dyno.samples.map((s) => s.memory_rss_mb), width), { height: 5 }));
      lines.push('CPU (%)', plot(squeeze(dyno.samples.map((s) => s.cpu_percent), width), { height: 5 }));
    }
  }
  return lines;
}

export function registerMetricsCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    appOptions(program.command('metrics').description("the app's traffic (requests, errors, latency) and dynos' memory, CPU and restarts over the last minutes, charted")).option('-m, --minutes <minutes>', 'how far back', '60'),
  ).action(async (options: AppOptions & JsonOption & { minutes: string }) => {
    const app = await ctx.app(options);
    const metrics = await (await ctx.api()).get<AppMetricsJson>(`${apiPath`/apps/${app}/metrics`}?minutes=${parsePositiveInteger('minutes', options.minutes)}`);
    if (options.json) return ctx.printJson(metrics);
    ctx.print(...metricsLines(metrics));
  });
}
