// metrics: an app's dynos' memory and CPU over the last minutes, as compact text charts
// (asciichart) with the latest figures and restarts.
import { plot } from 'asciichart';
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { DynoMetricsJson } from '../../common/api-shapes.js';
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

/** Pure: each dyno's latest figures, then a memory and a CPU chart of the period. */
export function metricsLines(metrics: DynoMetricsJson, width = 60): string[] {
  if (metrics.dynos.length === 0) return [`No samples of ${metrics.app}'s dynos since ${metrics.since} (they are sampled every 30 s while they run).`];
  const lines: string[] = [];
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
    appOptions(program.command('metrics').description("the app's dynos' memory, CPU and restarts over the last minutes, charted")).option('-m, --minutes <minutes>', 'how far back', '60'),
  ).action(async (options: AppOptions & JsonOption & { minutes: string }) => {
    const app = await ctx.app(options);
    const metrics = await (await ctx.api()).get<DynoMetricsJson>(`${apiPath`/apps/${app}/metrics`}?minutes=${parsePositiveInteger('minutes', options.minutes)}`);
    if (options.json) return ctx.printJson(metrics);
    ctx.print(...metricsLines(metrics));
  });
}
