// run: a command in an attached one-off dyno (Heroku's `heroku run`): the API hands out an
// attach URL; over a WebSocket to it, the user's keys go in raw (Ctrl-C and Ctrl-D reach the
// remote TTY as they would a local one), its bytes come out, window changes follow, and the
// CLI exits with the remote command's exit code.
import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { apiPath } from '../api-client.js';
import { appOptions, type AppOptions, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';

const ending = z.object({ exit_code: z.number().int().nullable(), reason: z.string() });

/** Pure: the CLI's exit code for how the remote command ended (Heroku's: its code, else 1). */
export function runExitCode(end: z.infer<typeof ending> | null): number {
  return end?.exit_code ?? 1;
}

/** Pure: the terminal size to ask for: the terminal's, else $COLUMNS/$LINES, else 80×24. */
export function terminalSize(output: { columns?: number; rows?: number }, env: NodeJS.ProcessEnv): { cols: number; rows: number } {
  const pick = (value: number | undefined, fallback: string | undefined, otherwise: number) => (value && value > 0 ? value : Number(fallback) > 0 ? Number(fallback) : otherwise);
  return { cols: pick(output.columns, env.COLUMNS, 80), rows: pick(output.rows, env.LINES, 24) };
}

export function registerRunCommand(program: Command, ctx: CommandContext): void {
  appOptions(
    program
      .command('run')
      .description(`run a command in an attached one-off dyno (a TTY: \`${ctx.command} run bash\`)`)
      .argument('<command...>', 'the command and its arguments (`--` before a command with options)')
      .option('-s, --size <size>', 'dyno size (basic, standard, performance)'),
  ).action(async (words: string[], options: AppOptions & { size?: string }) => {
    const terminal = ctx.io.terminal;
    if (!terminal) throw new CliError('run needs a terminal.');
    const app = await ctx.app(options);
    const size = terminalSize(terminal.output, process.env);
    const command = words.join(' ');
    const dyno = await (await ctx.api()).post<{ name: string; attach_url: string; attach_websocket_url?: string }>(apiPath`/apps/${app}/dynos`, { command, attach: true, tty: size, ...(options.size ? { size: options.size } : {}) });
    ctx.note(`Running ${command} on ${app}... up, ${dyno.name}`);
    ctx.exitCode = runExitCode(await attach(dyno.attach_websocket_url ?? dyno.attach_url, terminal));
  });
}

/** Pipes the terminal to the run until it ends; resolves with how it ended (null: the link broke). */
export function attach(url: string, terminal: NonNullable<CommandContext['io']['terminal']>): Promise<z.infer<typeof ending> | null> {
  const { input, output } = terminal;
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let end: z.infer<typeof ending> | null = null;
    const raw = input.isTTY === true;
    const onKeys = (chunk: Buffer) => ws.readyState === ws.OPEN && ws.send(chunk, { binary: true });
    const onEnd = () => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ eof: true }));
    const onResize = () => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ resize: terminalSize(output, process.env) }));
    ws.on('open', () => {
      if (raw) input.setRawMode(true);
      input.on('data', onKeys);
      input.on('end', onEnd);
      output.on('resize', onResize);
      input.resume();
    });
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      if (isBinary) output.write(bytes);
      else {
        const parsed = ending.safeParse(JSON.parse(bytes.toString('utf8')));
        if (parsed.success) end = parsed.data;
      }
    });
    const finish = () => {
      input.off('data', onKeys);
      input.off('end', onEnd);
      output.off('resize', onResize);
      if (raw) input.setRawMode(false);
      input.pause();
      resolve(end);
    };
    ws.on('close', finish);
    ws.on('error', (err) => {
      output.write(`\r\nError: the connection to the dyno failed: ${err.message}\r\n`);
    });
  });
}
