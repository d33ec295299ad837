#!/usr/bin/env node
// slipway: the user's and operator's command line over the Platform API.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagedBrand } from './brand.js';
import { describeError } from '../common/errors.js';
import { loadCliConfig, type CliConfig } from './config.js';
import { parseInfraCliSettings, type InfraCliSettings } from './infra.js';
import { runCli } from './program.js';
import { spawnRunner } from './runner.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A password: hidden at a terminal (@inquirer/password), else the first line of stdin (scripts). */
async function readSecret(prompt: string): Promise<string> {
  if (process.stdin.isTTY) return (await import('@inquirer/password')).default({ message: prompt, mask: '*' }, { output: process.stderr });
  return (await readStdin()).split('\n')[0]!.replace(/\r$/, '');
}

let config: CliConfig;
let infra: InfraCliSettings;
try {
  // dist/cli/main.js in the repository and in a built CLI package alike: the package's root is two up
  config = loadCliConfig(process.env, homedir(), packagedBrand(join(dirname(fileURLToPath(import.meta.url)), '..', '..')));
  infra = parseInfraCliSettings(process.env);
} catch (err) {
  process.stderr.write(`Error: ${describeError(err)}\n`);
  process.exit(1);
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin,
  readSecret,
  cwd: process.cwd(),
  config,
  infra,
  run: spawnRunner,
  // git runs this same file as its credential helper
  self: [process.execPath, fileURLToPath(import.meta.url)],
  terminal: { input: process.stdin, output: process.stdout },
  progress: process.stderr,
});
