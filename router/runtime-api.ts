// HAProxy's Runtime API over its unix socket: one connection per command (HAProxy's
// non-interactive mode answers and closes), answers checked against what success looks like.
import { createConnection } from 'node:net';
import { RuntimeApiError } from './errors.js';
import { answerOk, type RuntimeCommand } from './runtime-commands.js';

export interface RuntimeApi {
  /** Sends one raw line (plus an optional `<<` payload) and resolves with the answer. */
  send(line: string, payload?: string): Promise<string>;
  /** Sends a command and throws RuntimeApiError unless the answer means success. */
  run(command: RuntimeCommand): Promise<string>;
}

export function unixSocketRuntimeApi(socketPath: string, timeoutMs = 10_000): RuntimeApi {
  const send = (line: string, payload?: string) =>
    new Promise<string>((resolve, reject) => {
      if (/[\r\n]/.test(line)) {
        reject(new RuntimeApiError(line.split(/[\r\n]/)[0] ?? '', 'command must be one line'));
        return;
      }
      const socket = createConnection(socketPath);
      const chunks: Buffer[] = [];
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      socket.on('connect', () => {
        // A payload ends at the first empty line, so it must not contain one.
        const body = payload === undefined ? `${line}\n` : `${line} <<\n${payload.replace(/\n{2,}/g, '\n').replace(/\n?$/, '\n')}\n`;
        socket.end(body);
      });
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (err) => reject(new RuntimeApiError(verb(line), '', { cause: err })));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  return {
    send,
    async run(command) {
      const answer = await send(command.line, command.payload);
      if (answerOk(command, answer)) return answer;
      if (command.fallback?.when.test(answer)) return this.run(command.fallback.command);
      throw new RuntimeApiError(verb(command.line), answer);
    },
  };
}

/** The command without its arguments past the object it names, for errors and logs. */
function verb(line: string): string {
  return line.split(' ').slice(0, 4).join(' ');
}
