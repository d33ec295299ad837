// Everything a command touches outside itself, injected so that commands run in-process in
// tests: output streams, stdin, the working directory, config, processes and the network.
import type { CliConfig } from './config.js';
import type { InfraCliSettings } from './infra.js';
import type { ProgressStream } from './progress.js';
import type { CommandRunner } from './runner.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of stdin, up to its end (git's credential protocol, `login --token -`). */
  readStdin(): Promise<string>;
  /** A secret (a password) typed without echo at a terminal; else stdin's first line. */
  readSecret(prompt: string): Promise<string>;
  cwd: string;
  config: CliConfig;
  /** `slipway infra`'s settings (stack name, workspace), read from the environment by main.ts. */
  infra: InfraCliSettings;
  run: CommandRunner;
  /** The argv that runs this CLI, e.g. [node, /path/to/dist/cli/main.js], for git's credential helper. */
  self: readonly string[];
  fetch?: typeof globalThis.fetch;
  /** Ends long-running commands (`logs --tail`) gracefully. */
  signal?: AbortSignal;
  /** Where spinners are drawn (stderr, when it is a terminal); absent: no spinners. */
  progress?: ProgressStream;
  /** The user's terminal, for an attached `run` (raw keys in, bytes out, window size). */
  terminal?: { input: NodeJS.ReadStream; output: NodeJS.WriteStream };
}
