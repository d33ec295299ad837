// `slipway infra preview|up|destroy`: the AWS infra stack (provisioner/aws/program.ts) through
// the Pulumi Automation API. The stack's config lives in a workspace directory (default
// ~/.slipway/infra) that `pulumi config --cwd <dir>` also reads and writes. Secrets the stack
// needs and the operator did not set are generated once and stored as Pulumi secrets.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { z } from 'zod';
import { parseEnv, slipwayHome, type Env } from '../common/config.js';
import { issueToken } from '../common/api-token.js';
import { SlipwayError } from '../common/errors.js';
import { openPulumiStack, type ConfigValue, type StackDriver } from '../provisioner/automation.js';
import { CONFIG_NAMESPACE, SECRET_KEYS, type SecretKey } from '../provisioner/aws/secret-keys.js';

export const INFRA_PROJECT_NAME = 'slipway';

export interface InfraCliSettings {
  stackName: string;
  workDir: string;
  /** Where `pulumi` is looked up. */
  path: string | undefined;
}

const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const schema = z.object({
  SLIPWAY_INFRA_STACK: z.string().regex(STACK_NAME).default('production'),
  SLIPWAY_INFRA_DIR: z.string().min(1).optional(),
  PATH: z.string().optional(),
});

/** Read once by the process's main.ts. */
export function parseInfraCliSettings(env: Env): InfraCliSettings {
  const e = parseEnv(schema, env);
  return { stackName: e.SLIPWAY_INFRA_STACK, workDir: e.SLIPWAY_INFRA_DIR ?? join(slipwayHome(env), 'infra'), path: e.PATH };
}

export interface OpenInfraStackOptions {
  stackName: string;
  workDir: string;
  path: string | undefined;
  onOutput: (text: string) => void;
}

export interface InfraCommandDeps {
  settings: InfraCliSettings;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Default: the real stack of the infra program. */
  openStack?: (options: OpenInfraStackOptions) => Promise<StackDriver>;
  /** Default: 256 random bits. */
  generateSecret?: (key: SecretKey) => string;
}

export function openInfraStack(options: OpenInfraStackOptions): Promise<StackDriver> {
  return openPulumiStack({
    projectName: INFRA_PROJECT_NAME,
    stackName: options.stackName,
    workDir: options.workDir,
    path: options.path,
    onOutput: options.onOutput,
    program: async () => {
      const { infraProgram } = await import('../provisioner/aws/program.js');
      return { ...(await infraProgram()) };
    },
  });
}

/** Pure: which of the stack's secrets are not set yet. */
export function missingSecrets(config: Readonly<Record<string, ConfigValue>>): SecretKey[] {
  return SECRET_KEYS.filter((key) => !config[`${CONFIG_NAMESPACE}:${key}`]);
}

/** A new secret; the admin token is a Platform API token. */
export function generateSecret(key: SecretKey): string {
  return key === 'adminToken' ? issueToken().token : randomBytes(32).toString('base64url');
}

/** Pure: the lines `up` ends with, from the stack's outputs. */
export function summaryLines(outputs: Record<string, unknown>, stackName: string, workDir: string): string[] {
  const text = (key: string) => (typeof outputs[key] === 'string' ? (outputs[key] as string) : '(unknown)');
  const records = Array.isArray(outputs.dnsRecords) ? (outputs.dnsRecords as { name: string; type: string; value: string }[]) : [];
  return [
    `Router address: ${text('routerAddress')}`,
    `API URL:        ${text('apiUrl')}`,
    `NATS URL:       ${text('natsUrl')} (inside the VPC)`,
    ...(records.length > 0 ? ['Point these DNS records at the router address:', ...records.map((r) => `  ${r.name} ${r.type} ${r.value}`)] : []),
    `Admin token:    pulumi config get ${CONFIG_NAMESPACE}:adminToken --cwd ${workDir} --stack ${stackName}`,
  ];
}

interface StackOption {
  stack?: string;
}

/** Registers `infra preview|up|destroy` on `program` (the slipway CLI or a standalone one). */
export function registerInfraCommands(program: Command, deps: InfraCommandDeps): Command {
  const open = deps.openStack ?? openInfraStack;
  const newSecret = deps.generateSecret ?? generateSecret;
  const infra = program.command('infra').description('the platform\'s own AWS infrastructure (operators; needs the Pulumi CLI and AWS credentials)');

  const stackName = (options: StackOption, command: Command) => {
    const name = options.stack ?? deps.settings.stackName;
    if (!STACK_NAME.test(name)) command.error(`slipway infra: bad stack name: ${name}`, { exitCode: 2, code: 'slipway.infra.usage' });
    return name;
  };

  // One line on stderr and a non-zero exit for anything Slipway knows how to explain. Not
  // command.error(): that appends the program's usage hint, and this is not a usage error.
  const explained = (action: () => Promise<void>) =>
    action().catch((err: unknown) => {
      if (err instanceof SlipwayError && err.expose) {
        const hint = err.id === 'pulumi_operation_failed' ? ' (see the output above)' : '';
        const line = `slipway infra: ${err.message}${hint}`;
        deps.stderr(`${line}\n`);
        throw new CommanderError(1, `slipway.infra.${err.id}`, line);
      }
      throw err;
    });

  const openWithSecrets = async (name: string): Promise<StackDriver> => {
    const stack = await open({ stackName: name, workDir: deps.settings.workDir, path: deps.settings.path, onOutput: deps.stdout });
    const missing = missingSecrets(await stack.getConfig());
    if (missing.length > 0) {
      await stack.setConfig(Object.fromEntries(missing.map((key) => [`${CONFIG_NAMESPACE}:${key}`, { value: newSecret(key), secret: true }])));
      deps.stderr(`Generated ${missing.map((key) => `${CONFIG_NAMESPACE}:${key}`).join(', ')} (stored as Pulumi secrets in stack ${name}).\n`);
    }
    return stack;
  };

  infra
    .command('preview')
    .description('show what `infra up` would change')
    .option('--stack <name>', 'Pulumi stack (default: $SLIPWAY_INFRA_STACK or production)')
    .action(async (options: StackOption, command: Command) =>
      explained(async () => {
        await (await openWithSecrets(stackName(options, command))).preview();
      }),
    );

  infra
    .command('up')
    .description('create or update the infrastructure')
    .option('--stack <name>', 'Pulumi stack (default: $SLIPWAY_INFRA_STACK or production)')
    .action(async (options: StackOption, command: Command) =>
      explained(async () => {
        const name = stackName(options, command);
        const stack = await openWithSecrets(name);
        await stack.up();
        deps.stdout(`${summaryLines(await stack.outputs(), name, deps.settings.workDir).join('\n')}\n`);
      }),
    );

  infra
    .command('destroy')
    .description('delete every resource of the stack (engine hosts must be removed first)')
    .option('--stack <name>', 'Pulumi stack (default: $SLIPWAY_INFRA_STACK or production)')
    .option('--confirm <stack>', 'the stack name again, to confirm')
    .action(async (options: StackOption & { confirm?: string }, command: Command) =>
      explained(async () => {
        const name = stackName(options, command);
        if (options.confirm !== name) {
          command.error(`slipway infra: destroy deletes every resource of stack ${name}; run again with --confirm ${name}`, {
            exitCode: 2,
            code: 'slipway.infra.confirm',
          });
        }
        const stack = await open({ stackName: name, workDir: deps.settings.workDir, path: deps.settings.path, onOutput: deps.stdout });
        await stack.destroy();
        deps.stdout(`Destroyed stack ${name}.\n`);
      }),
    );

  return infra;
}
