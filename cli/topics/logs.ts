// logs: the app's recent log lines, and with --tail the lines as they come.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import { parsePositiveInteger } from '../args.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { LineSplitter, parseLogLine } from '../log-lines.js';

interface LogsOptions extends AppOptions, JsonOption {
  num: string;
  tail?: boolean;
}

export function logsPath(app: string, lines: number, tail: boolean): string {
  return `${apiPath`/apps/${app}/logs`}?${new URLSearchParams({ lines: String(lines), tail: String(tail) })}`;
}

export function registerLogCommands(program: Command, ctx: CommandContext): void {
  jsonOption(
    appOptions(
      program
        .command('logs')
        .description("show an app's recent log lines (with --json: one JSON object a line)")
        .option('-n, --num <lines>', 'how many recent lines', '100')
        .option('-t, --tail', 'keep printing new lines as they come'),
    ),
  ).action(async (options: LogsOptions) => {
    const lines = parsePositiveInteger('number of lines', options.num);
    const app = await ctx.app(options);
    const api = await ctx.api();
    const emit = (line: string) =>
      options.json ? ctx.io.stdout(`${JSON.stringify(parseLogLine(line) ?? { line })}\n`) : ctx.io.stdout(`${line}\n`);
    const splitter = new LineSplitter();
    const decoder = new TextDecoder();
    try {
      const reader = (await api.stream(logsPath(app, lines, options.tail ?? false), ctx.io.signal)).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        splitter.push(decoder.decode(value, { stream: true })).forEach(emit);
      }
      splitter.push(decoder.decode()).forEach(emit);
    } catch (err) {
      // Ctrl-C (or the test) ending a tail is the normal way out of it
      if (!ctx.io.signal?.aborted) throw err;
    }
    splitter.end().forEach(emit);
  });
}
