// alerts, alerts:add, alerts:remove: thresholds on an app's p95 latency or 5xx rate, told by
// email or signed webhook when they fire and when they resolve.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AlertJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';

/** Pure: the alert's rule in words. */
export function ruleText(alert: Pick<AlertJson, 'metric' | 'threshold' | 'minutes'>): string {
  return alert.metric === 'p95_ms' ? `p95 > ${alert.threshold} ms over ${alert.minutes} min` : `5xx > ${Math.round(alert.threshold * 10_000) / 100}% over ${alert.minutes} min`;
}

export function alertsTable(alerts: readonly AlertJson[]): string[] {
  return formatTable(alerts, [
    { header: 'ID', value: (a) => a.id },
    { header: 'RULE', value: ruleText },
    { header: 'TELLS', value: (a) => (a.destination.kind === 'email' ? a.destination.to : a.destination.url) },
    { header: 'STATE', value: (a) => `${a.state} since ${a.changed_at}` },
  ]);
}

/** Pure: the API's body for `alerts:add`, from the options. */
export function newAlertBody(options: { p95?: string; errorRate?: string; minutes: string; email?: string; webhook?: string }): Record<string, unknown> {
  if ((options.p95 === undefined) === (options.errorRate === undefined)) throw new UsageError('Give one of --p95 MS and --error-rate PERCENT.');
  if ((options.email === undefined) === (options.webhook === undefined)) throw new UsageError('Give one of --email ADDRESS and --webhook URL.');
  const number = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} must be a positive number.`);
    return value;
  };
  return {
    ...(options.p95 !== undefined ? { metric: 'p95_ms', threshold: number('--p95', options.p95) } : { metric: 'error_rate', threshold: number('--error-rate', options.errorRate!) / 100 }),
    minutes: number('--minutes', options.minutes),
    ...(options.email !== undefined ? { email: options.email } : { webhook_url: options.webhook }),
  };
}

export function registerAlertCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('alerts').description("the app's alerts and their states"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const alerts = await (await ctx.api()).get<AlertJson[]>(apiPath`/apps/${app}/alerts`);
    if (options.json) return ctx.printJson(alerts);
    ctx.print(...(alerts.length === 0 ? [`${app} has no alerts (${ctx.command} alerts:add adds one).`] : alertsTable(alerts)));
  });

  appOptions(
    program
      .command('alerts:add')
      .description('alert when p95 latency or the 5xx rate goes above a threshold, by email or signed webhook')
      .option('--p95 <ms>', 'p95 latency above this many milliseconds')
      .option('--error-rate <percent>', 'share of 5xx answers above this percentage')
      .option('--minutes <minutes>', 'over the last minutes', '5')
      .option('--email <address>', 'tell this address')
      .option('--webhook <url>', 'POST to this URL (Standard Webhooks signature)'),
  ).action(async (options: AppOptions & { p95?: string; errorRate?: string; minutes: string; email?: string; webhook?: string }) => {
    const app = await ctx.app(options);
    const alert = await (await ctx.api()).post<AlertJson>(apiPath`/apps/${app}/alerts`, newAlertBody(options));
    ctx.print(`Added alert ${alert.id} on ${app}: ${ruleText(alert)}.`);
    if (alert.webhook_secret) ctx.print(`Its webhooks are signed with ${alert.webhook_secret} (shown once).`);
  });

  appOptions(program.command('alerts:remove').description('remove an alert').argument('<id>', 'the alert')).action(async (id: string, options: AppOptions) => {
    const app = await ctx.app(options);
    await (await ctx.api()).delete<AlertJson>(apiPath`/apps/${app}/alerts/${id}`);
    ctx.print(`Removed alert ${id} from ${app}.`);
  });
}
