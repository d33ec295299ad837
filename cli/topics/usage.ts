// usage: metered dyno, one-off and build time, yours (personal apps), a team's, a user's
// (operators) or an app's, for a period; as a table, JSON, or the records in CSV.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { UsageJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';
import { UsageError } from '../errors.js';

/** Pure: seconds as people read them (`2h 05m 10s`). */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s` : m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function usageTable(usage: UsageJson): string[] {
  if (usage.lines.length === 0) return [`No usage from ${usage.start} to ${usage.end}.`];
  return [
    `=== Usage from ${usage.start} to ${usage.end}`,
    ...formatTable(usage.lines, [
      { header: 'APP', value: (l) => l.app },
      { header: 'KIND', value: (l) => l.kind },
      { header: 'TYPE', value: (l) => l.process_type },
      { header: 'SIZE', value: (l) => l.size ?? '' },
      // router traffic is requests and bytes, not time
      { header: 'TIME', value: (l) => (l.kind === 'router' ? '' : duration(l.seconds)) },
      { header: 'SECONDS', value: (l) => (l.kind === 'router' ? '' : String(l.seconds)) },
      { header: 'REQUESTS', value: (l) => (l.kind === 'router' ? String(l.requests) : '') },
      { header: 'BYTES', value: (l) => (l.kind === 'router' ? String(l.bytes) : '') },
    ]),
  ];
}

/** Pure: whose usage the options name, for which period. */
export function usagePath(options: { app?: string; team?: string; user?: string; start?: string; end?: string }, format: 'json' | 'csv'): string {
  const chosen = [options.app, options.team, options.user].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('Choose one of --app, --team and --user.');
  const base = options.app ? apiPath`/apps/${options.app}/usage` : options.team ? apiPath`/teams/${options.team}/usage` : options.user ? apiPath`/users/${options.user}/usage` : '/account/usage';
  const query = new URLSearchParams({ format });
  if (options.start) query.set('start', options.start);
  if (options.end) query.set('end', options.end);
  return `${base}?${query}`;
}

export function registerUsageCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    program
      .command('usage')
      .description("metered dyno, one-off and build time: your personal apps', an app's (-a), a team's or a user's (operators); this month by default")
      .option('-a, --app <app>', "an app's")
      .option('-t, --team <team>', "a team's")
      .option('--user <user>', "a user's (operators)")
      .option('--start <time>', 'from (ISO 8601: 2026-12-01); default: the start of this month')
      .option('--end <time>', 'until (ISO 8601); default: now')
      .option('--csv', 'every record, as CSV'),
  ).action(async (options: JsonOption & { app?: string; team?: string; user?: string; start?: string; end?: string; csv?: boolean }) => {
    const api = await ctx.api();
    if (options.csv) {
      const stream = await api.stream(usagePath(options, 'csv'));
      const decoder = new TextDecoder();
      for await (const chunk of stream) ctx.io.stdout(decoder.decode(chunk, { stream: true }));
      return;
    }
    const usage = await api.get<UsageJson>(usagePath(options, 'json'));
    if (options.json) return ctx.printJson(usage);
    ctx.print(...usageTable(usage));
  });
}
