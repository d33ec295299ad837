#!/usr/bin/env node
// `slipway infra preview|up|destroy` as a program of its own (node dist/provisioner/aws/infra-main.js
// infra up), for operators before or without the full CLI; the slipway CLI mounts the same
// commands through registerInfraCommands.
import { Command } from 'commander';
import { parseInfraCliSettings, registerInfraCommands } from '../../cli/infra.js';
import { describeError } from '../../common/errors.js';

let settings;
try {
  settings = parseInfraCliSettings(process.env);
} catch (err) {
  process.stderr.write(`slipway infra: ${describeError(err)}\n`);
  process.exit(1);
}

const program = new Command('slipway');
registerInfraCommands(program, {
  settings,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
await program.parseAsync(process.argv);
