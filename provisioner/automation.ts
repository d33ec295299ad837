// Runs Pulumi programs through the Automation API (inline programs, a workspace directory
// that keeps each stack's config). Callers get a small StackDriver interface, so the host
// provider and the CLI can be tested with a fake. The Automation API drives the `pulumi`
// CLI: it is looked up on PATH first, and its absence is one clear error, not a stack trace.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { SlipwayError } from '../common/errors.js';

export const PULUMI_CLI_MISSING_MESSAGE =
  'the Pulumi CLI (`pulumi`) is not installed or not on PATH; install it (https://www.pulumi.com/docs/iac/download-install/) and try again';

export class PulumiCliMissingError extends SlipwayError {
  override name = 'PulumiCliMissingError';
  constructor() {
    super('pulumi_cli_missing', PULUMI_CLI_MISSING_MESSAGE, { status: 503, expose: true });
  }
}

export type StackOperation = 'preview' | 'up' | 'destroy' | 'config' | 'outputs' | 'open';

export class PulumiOperationError extends SlipwayError {
  override name = 'PulumiOperationError';
  constructor(operation: StackOperation, stackName: string, cause: unknown) {
    super('pulumi_operation_failed', `pulumi ${operation} of stack ${stackName} failed`, { status: 502, expose: true, cause });
  }
}

/** Pure: the candidate paths of `command` on a PATH value, in order. */
export function pathCandidates(command: string, pathValue: string | undefined): string[] {
  return (pathValue ?? '')
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .map((dir) => join(dir, command));
}

/** The first executable `command` on `pathValue`, or null. */
export async function findOnPath(command: string, pathValue: string | undefined): Promise<string | null> {
  for (const candidate of pathCandidates(command, pathValue)) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Resolves to the `pulumi` executable, or throws PulumiCliMissingError. */
export async function requirePulumiCli(pathValue: string | undefined): Promise<string> {
  const found = await findOnPath('pulumi', pathValue);
  if (!found) throw new PulumiCliMissingError();
  return found;
}

export interface ConfigValue {
  value: string;
  secret: boolean;
}

/** What Slipway does with a Pulumi stack. */
export interface StackDriver {
  readonly stackName: string;
  preview(): Promise<void>;
  up(): Promise<void>;
  destroy(): Promise<void>;
  /** All of the stack's config, secrets decrypted (never log the values). */
  getConfig(): Promise<Record<string, ConfigValue>>;
  setConfig(values: Readonly<Record<string, ConfigValue>>): Promise<void>;
  /** Stack outputs (values of secret outputs included). */
  outputs(): Promise<Record<string, unknown>>;
}

export type InlineProgram = () => Promise<Record<string, unknown> | void>;

export interface StackOptions {
  projectName: string;
  stackName: string;
  program: InlineProgram;
  /** Keeps Pulumi.yaml and Pulumi.<stack>.yaml (the stack's config) between runs. */
  workDir: string;
  /** The PATH to find `pulumi` on: the process's own, passed in by its main.ts. */
  path: string | undefined;
  /** State backend (e.g. `s3://bucket`); default: whatever the CLI is logged in to. */
  backendUrl?: string;
  /** Secrets provider for a new stack (e.g. `awskms://...`); default: the backend's. */
  secretsProvider?: string;
  /** Receives Pulumi's progress output as it streams. */
  onOutput?: (text: string) => void;
}

/** Opens (creating if needed) a stack for an inline program; fails fast without the CLI. */
export async function openPulumiStack(options: StackOptions): Promise<StackDriver> {
  await requirePulumiCli(options.path);
  // Loaded only once the CLI is known to exist: the SDK is large, and useless without it.
  const { LocalWorkspace } = await import('@pulumi/pulumi/automation/index.js');
  await mkdir(options.workDir, { recursive: true });
  try {
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: options.projectName, stackName: options.stackName, program: options.program },
      {
        workDir: options.workDir,
        projectSettings: {
          name: options.projectName,
          runtime: 'nodejs',
          ...(options.backendUrl ? { backend: { url: options.backendUrl } } : {}),
        },
        ...(options.secretsProvider ? { secretsProvider: options.secretsProvider } : {}),
        ...(options.path ? { envVars: { PATH: options.path } } : {}),
      },
    );
    return automationStackDriver(stack, options.onOutput);
  } catch (err) {
    throw new PulumiOperationError('open', options.stackName, err);
  }
}

type AutomationStack = Awaited<ReturnType<typeof import('@pulumi/pulumi/automation/index.js').LocalWorkspace.createOrSelectStack>>;

function automationStackDriver(stack: AutomationStack, onOutput: ((text: string) => void) | undefined): StackDriver {
  const run = async <T>(operation: StackOperation, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (err) {
      throw new PulumiOperationError(operation, stack.name, err);
    }
  };
  const streaming = onOutput ? { onOutput } : {};
  return {
    stackName: stack.name,
    preview: () => run('preview', async () => void (await stack.preview({ ...streaming, diff: true }))),
    up: () => run('up', async () => void (await stack.up(streaming))),
    destroy: () => run('destroy', async () => void (await stack.destroy(streaming))),
    getConfig: () =>
      run('config', async () => {
        const all = await stack.getAllConfig();
        return Object.fromEntries(Object.entries(all).map(([key, entry]) => [key, { value: entry.value, secret: entry.secret ?? false }]));
      }),
    setConfig: (values) => run('config', () => stack.setAllConfig({ ...values })),
    outputs: () =>
      run('outputs', async () => Object.fromEntries(Object.entries(await stack.outputs()).map(([key, output]) => [key, output.value]))),
  };
}
