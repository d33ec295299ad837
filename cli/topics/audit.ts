// audit: the audit log, yours, an app's (-a), a user's or the platform's (operators).
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import { parsePositiveInteger } from '../args.js';
import type { AuditEventJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';
import { UsageError } from '../errors.js';

export function auditTable(events: readonly AuditEventJson[]): string[] {
  return formatTable(events, [
    { header: 'WHEN', value: (e) => formatTime(e.created_at) },
    { header: 'WHO', value: (e) => e.actor?.email ?? '(no valid token)' },
    { header: 'WHAT', value: (e) => e.action },
    { header: 'APP', value: (e) => e.app?.name ?? '' },
    { header: 'STATUS', value: (e) => String(e.status) },
    { header: 'FROM', value: (e) => e.ip },
  ]);
}

/** Pure: which audit log the options name. */
export function auditPath(options: { app?: string; user?: string; all?: boolean }, limit: number): string {
  const chosen = [options.app, options.user, options.all].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('Choose one of --app, --user and --all.');
  const path = options.app ? apiPath`/apps/${options.app}/audit-events` : options.user ? apiPath`/users/${options.user}/audit-events` : options.all ? '/audit-events' : '/account/audit-events';
  return `${path}?limit=${limit}`;
}

export function registerAuditCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    program
      .command('audit')
      .description("who did what, when and from where: your actions; an app's with -a; a user's or everyone's (operators)")
      .option('-a, --app <app>', "what was done to an app (you manage it)")
      .option('--user <user>', "a user's actions (operators)")
      .option('--all', 'everything, refused attempts included (operators)')
      .option('-n, --num <entries>', 'how many, newest first', '50'),
  ).action(async (options: JsonOption & { app?: string; user?: string; all?: boolean; num: string }) => {
    const events = await (await ctx.api()).get<AuditEventJson[]>(auditPath(options, parsePositiveInteger('number of entries', options.num)));
    if (options.json) return ctx.printJson(events);
    ctx.print(...auditTable(events));
  });
}
