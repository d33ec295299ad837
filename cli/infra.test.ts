// `slipway infra preview|up|destroy`: in-process against a fake stack; for real on this
// machine, which has no Pulumi CLI, where it must print one clear line and exit non-zero,
// both in-process and as the compiled `slipway` run with a PATH that has no `pulumi`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PULUMI_CLI_MISSING_MESSAGE, PulumiOperationError, type ConfigValue, type StackDriver } from '../provisioner/automation.js';
import { ensureCliBuilt } from './testing/cli-harness.js';
import { generateSecret, missingSecrets, parseInfraCliSettings, registerInfraCommands, summaryLines, type InfraCommandDeps } from './infra.js';


class FakeInfraStack implements StackDriver {
  readonly stackName = 'production';
  config: Record<string, ConfigValue> = {};
  calls: string[] = [];
  failUp = false;
  async preview() {
    this.calls.push('preview');
  }
  async up() {
    this.calls.push('up');
    if (this.failUp) throw new PulumiOperationError('up', 'production', new Error('stderr of pulumi'));
  }
  async destroy() {
    this.calls.push('destroy');
  }
  async getConfig() {
    return { ...this.config };
  }
  async setConfig(values: Readonly<Record<string, ConfigValue>>) {
    this.config = { ...this.config, ...values };
  }
  async outputs() {
    return {
      routerAddress: 'slipway-router-0123.elb.us-east-1.amazonaws.com',
      apiUrl: 'https://api.apps.example.com',
      natsUrl: 'nats://nats.slipway.internal:4222',
      dnsRecords: [{ name: '*.apps.example.com', type: 'CNAME', value: 'slipway-router-0123.elb.us-east-1.amazonaws.com' }],
    };
  }
}

async function runInfra(argv: string[], deps: Partial<InfraCommandDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('slipway').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  registerInfraCommands(program, {
    settings: { stackName: 'production', workDir: '/nonexistent/infra', path: '/nonexistent-slipway-bin' },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    ...deps,
  });
  let exitCode = 0;
  try {
    await program.parseAsync(['infra', ...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { exitCode, stdout: out.join(''), stderr: err.join('') };
}

describe('with a fake stack', () => {
  test('up: generates the missing secrets once, as secrets, runs up and prints where things are', async () => {
    const stack = new FakeInfraStack();
    stack.config['slipway:redisPassword'] = { value: 'operator-chosen-password-123', secret: true };
    const opened: unknown[] = [];
    const result = await runInfra(['up'], { openStack: async (options) => (opened.push(options), stack) });
    expect(result.exitCode).toBe(0);
    expect(opened).toEqual([expect.objectContaining({ stackName: 'production', workDir: '/nonexistent/infra', path: '/nonexistent-slipway-bin' })]);
    expect(stack.calls).toEqual(['up']);
    expect(Object.keys(stack.config).sort()).toEqual(['slipway:adminToken', 'slipway:natsControlPlanePassword', 'slipway:natsRouterPassword', 'slipway:redisPassword']);
    expect(Object.values(stack.config).every((entry) => entry.secret)).toBe(true);
    expect(stack.config['slipway:redisPassword']!.value).toBe('operator-chosen-password-123');
    expect(stack.config['slipway:adminToken']!.value).toMatch(/^slw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(result.stderr).toBe('Generated slipway:adminToken, slipway:natsControlPlanePassword, slipway:natsRouterPassword (stored as Pulumi secrets in stack production).\n');
    expect(result.stdout).toContain('Router address: slipway-router-0123.elb.us-east-1.amazonaws.com');
    expect(result.stdout).toContain('API URL:        https://api.apps.example.com');
    expect(result.stdout).toContain('  *.apps.example.com CNAME slipway-router-0123.elb.us-east-1.amazonaws.com');
    // secrets never reach the terminal
    for (const entry of Object.values(stack.config)) expect(result.stdout + result.stderr).not.toContain(entry.value);
    const again = await runInfra(['up', '--stack', 'production'], { openStack: async () => stack });
    expect(again.stderr).toBe('');
  });

  test('preview uses the stack named by --stack', async () => {
    const stack = new FakeInfraStack();
    const names: string[] = [];
    const result = await runInfra(['preview', '--stack', 'staging'], { openStack: async (options) => (names.push(options.stackName), stack) });
    expect(result.exitCode).toBe(0);
    expect(names).toEqual(['staging']);
    expect(stack.calls).toEqual(['preview']);
  });

  test('destroy wants the stack name again and touches nothing without it', async () => {
    const stack = new FakeInfraStack();
    let opens = 0;
    const openStack = async () => (opens++, stack);
    const refused = await runInfra(['destroy'], { openStack });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe('slipway infra: destroy deletes every resource of stack production; run again with --confirm production\n');
    expect(opens).toBe(0);
    const wrong = await runInfra(['destroy', '--confirm', 'staging'], { openStack });
    expect(wrong.exitCode).toBe(2);
    const done = await runInfra(['destroy', '--confirm', 'production'], { openStack });
    expect(done.exitCode).toBe(0);
    expect(stack.calls).toEqual(['destroy']);
  });

  test('a failed up is one line pointing at the streamed output, exit code 1', async () => {
    const stack = new FakeInfraStack();
    stack.failUp = true;
    const result = await runInfra(['up'], { openStack: async () => stack, generateSecret: () => 'generated-secret-0123456789' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean).at(-1)).toBe('slipway infra: pulumi up of stack production failed (see the output above)');
  });
});

describe('on this machine, which has no Pulumi CLI', () => {
  test('in-process: one line naming the problem, exit code 1', async () => {
    for (const command of [['preview'], ['up'], ['destroy', '--confirm', 'production']]) {
      const result = await runInfra(command);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(`slipway infra: ${PULUMI_CLI_MISSING_MESSAGE}\n`);
      expect(result.stdout).toBe('');
    }
  });

  describe('as the compiled slipway program', () => {
    let cli: string;
    let home: string;
    beforeAll(async () => {
      cli = await ensureCliBuilt();
      home = await mkdtemp(join(tmpdir(), 'slipway-infra-home-'));
    });
    afterAll(async () => {
      if (home) await rm(home, { recursive: true, force: true });
    });

    test('`infra up` with a PATH without pulumi: the one line on stderr, exit code 1', async () => {
      const result = await promisify(execFile)(process.execPath, [cli, 'infra', 'up'], {
        env: { PATH: '/nonexistent-slipway-bin', SLIPWAY_HOME: home },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`slipway infra: ${PULUMI_CLI_MISSING_MESSAGE}\n`);
      expect(result.stdout).toBe('');
    });
  });
});

test('settings, secrets and summary helpers', () => {
  expect(parseInfraCliSettings({ SLIPWAY_HOME: '/srv/slipway', PATH: '/usr/bin' })).toEqual({ stackName: 'production', workDir: '/srv/slipway/infra', path: '/usr/bin' });
  expect(parseInfraCliSettings({ SLIPWAY_INFRA_STACK: 'staging', SLIPWAY_INFRA_DIR: '/x' })).toMatchObject({ stackName: 'staging', workDir: '/x' });
  expect(() => parseInfraCliSettings({ SLIPWAY_INFRA_STACK: 'bad name' })).toThrow(/SLIPWAY_INFRA_STACK/);
  expect(missingSecrets({ 'slipway:adminToken': { value: 'x', secret: true } })).toEqual(['natsControlPlanePassword', 'natsRouterPassword', 'redisPassword']);
  expect(generateSecret('redisPassword')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(generateSecret('redisPassword')).not.toBe(generateSecret('redisPassword'));
  expect(summaryLines({}, 'production', '/w').at(-1)).toBe('Admin token:    pulumi config get slipway:adminToken --cwd /w --stack production');
});
