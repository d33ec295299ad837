// logs: the app's recent log lines, and with --tail the lines as they come.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import { parsePositiveInteger } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { LineSplitter, parseLogLine } from '../log-lines.js';

/** Recent lines come at once; a stream that stays open without --tail is a broken server. */
export const RECENT_LINES_TIMEOUT_MS = 30_000;

interface LogsOptions extends AppOptions, JsonOption {
  num: string;
  tail?: boolean;
  source?: string;
  dyno?: string;
}

/** `filter`: `--source` and `--dyno`, checked by the API (its 422 names what it takes). */
export function logsPath(app: string, lines: number, tail: boolean, filter: { source?: string; dyno?: string } = {}): string {
  const query = new URLSearchParams({ lines: String(lines), tail: String(tail) });
  if (filter.source) query.set('source', filter.source);
  if (filter.dyno) query.set('dyno', filter.dyno);
  return `${apiPath`/apps/${app}/logs`}?${query}`;
}

export function registerLogCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    appOptions(
      program
        .command('logs')
        .description("show an app's recent log lines (with --json: one JSON object a line)")
        .option('-n, --num <lines>', 'how many recent lines', '100')
        .option('-t, --tail', 'keep printing new lines as they come')
        .option('-s, --source <source>', 'only app (its output), router (its requests) or platform (deploys, releases, scaling, state changes)')
        .option('-d, --dyno <dyno>', 'only one process type (web) or one dyno (web.2)'),
    ),
  ).action(async (options: LogsOptions) => {
    const lines = parsePositiveInteger('number of lines', options.num);
    const app = await ctx.app(options);
    const api = await ctx.api();
    const emit = (line: string) =>
      options.json ? ctx.io.stdout(`${JSON.stringify(parseLogLine(line) ?? { line })}\n`) : ctx.io.stdout(`${line}\n`);
    const splitter = new LineSplitter();
    const decoder = new TextDecoder();
    const deadline = options.tail ? null : AbortSignal.timeout(RECENT_LINES_TIMEOUT_MS);
    const signals = [ctx.io.signal, deadline].filter((s): s is AbortSignal => s !== null && s !== undefined);
    try {
      const reader = (await api.stream(logsPath(app, lines, options.tail ?? false, options), AbortSignal.any(signals))).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        splitter.push(decoder.decode(value, { stream: true })).forEach(emit);
      }
      splitter.push(decoder.decode()).forEach(emit);
    } catch (err) {
      if (deadline?.aborted) throw new CliError(`The API did not finish sending ${app}'s recent log lines within ${RECENT_LINES_TIMEOUT_MS / 1000} s.`, { cause: err });
      // Ctrl-C (or the test) ending a tail is the normal way out of it
      if (!ctx.io.signal?.aborted) throw err;
    }
    splitter.end().forEach(emit);
  });
}
