// The `aws` host provider: engine hosts are entries in the hosts stack's config (placement,
// and the token as a Pulumi secret); adding or removing one changes that config and runs
// `up` through the Automation API; `list` reads the stack's outputs. Operations run one at a
// time (the stack is one piece of state), in the order they were asked for.
import { z } from 'zod';
import { SlipwayError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import { openPulumiStack, type StackDriver } from '../automation.js';
import type { HostCredentials, HostProvider, ProvisionedHost } from '../provider.js';
import { parseHostSet, withHostsAdded, withoutHost, type HostSet } from './host-set.js';
import { HOSTS_PROJECT, type HostsStackSettings } from './hosts-settings.js';
import { HOSTS_CONFIG, hostSetConfig, staticHostsConfig } from './hosts-stack-config.js';

export class HostProvisioningError extends SlipwayError {
  override name = 'HostProvisioningError';
  constructor(message: string, cause?: unknown) {
    super('host_provisioning_failed', message, { status: 502, expose: true, cause });
  }
}

const hostsOutput = z.record(
  z.string(),
  z.object({
    instanceId: z.string(),
    address: z.string(),
    availabilityZone: z.string(),
    subnetId: z.string(),
    capacity: z.object({ memoryMb: z.number(), cpus: z.number() }),
  }),
);

/** Pure: the provider's view of the hosts stack's `hosts` output. */
export function provisionedHosts(outputs: Record<string, unknown>): ProvisionedHost[] {
  const parsed = hostsOutput.safeParse(outputs.hosts ?? {});
  if (!parsed.success) throw new HostProvisioningError('the hosts stack has an unexpected `hosts` output', parsed.error);
  return Object.entries(parsed.data)
    .map(([id, host]) => ({ id, provider: 'aws', address: host.address, capacity: host.capacity }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export interface AwsHostProviderOptions {
  settings: HostsStackSettings;
  /** Opens the hosts stack; called once, on first use. */
  openStack: () => Promise<StackDriver>;
  logger?: Logger;
}

export class AwsHostProvider implements HostProvider {
  readonly name = 'aws';
  private readonly logger: Logger;
  private stack: Promise<StackDriver> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AwsHostProviderOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  addHosts(credentials: readonly HostCredentials[]): Promise<ProvisionedHost[]> {
    return this.serially(async () => {
      if (credentials.length === 0) return [];
      const stack = await this.openStack();
      const before = await this.readHostSet(stack);
      const after = withHostsAdded(before, credentials, this.options.settings.subnetIds);
      const ids = credentials.map((c) => c.hostId);
      this.logger.info({ hosts: ids }, 'adding engine hosts');
      await this.apply(stack, after);
      try {
        await stack.up();
      } catch (err) {
        // Leave no half-made host behind with credentials the caller will now revoke.
        await this.apply(stack, before);
        await stack.up().catch((cleanupErr: unknown) => this.logger.error({ err: cleanupErr, hosts: ids }, 'could not remove partly created hosts; the next operation retries'));
        throw new HostProvisioningError(`could not add hosts ${ids.join(', ')}`, err);
      }
      const added = provisionedHosts(await stack.outputs()).filter((host) => ids.includes(host.id));
      if (added.length !== ids.length) throw new HostProvisioningError(`the hosts stack did not report all of ${ids.join(', ')}`);
      return added;
    });
  }

  removeHost(hostId: string): Promise<void> {
    return this.serially(async () => {
      const stack = await this.openStack();
      const before = await this.readHostSet(stack);
      if (!(hostId in before.placements)) return;
      this.logger.info({ host: hostId }, 'removing engine host');
      await this.apply(stack, withoutHost(before, hostId));
      try {
        await stack.up();
      } catch (err) {
        // The host stays out of the config: the next `up` finishes terminating it.
        throw new HostProvisioningError(`could not remove host ${hostId}`, err);
      }
    });
  }

  list(): Promise<ProvisionedHost[]> {
    return this.serially(async () => provisionedHosts(await (await this.openStack()).outputs()));
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation, operation);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private openStack(): Promise<StackDriver> {
    if (!this.stack) {
      this.stack = this.options.openStack();
      // A failed open (no CLI, no credentials) is retried on the next call.
      this.stack.catch(() => (this.stack = null));
    }
    return this.stack;
  }

  private async readHostSet(stack: StackDriver): Promise<HostSet> {
    const config = await stack.getConfig();
    return parseHostSet(config[HOSTS_CONFIG.placements]?.value, config[HOSTS_CONFIG.tokens]?.value);
  }

  private apply(stack: StackDriver, set: HostSet): Promise<void> {
    return stack.setConfig({ ...staticHostsConfig(this.options.settings), ...hostSetConfig(set) });
  }
}

/** The real provider: the hosts stack through the Automation API and the `pulumi` CLI. */
export function createAwsHostProvider(
  settings: HostsStackSettings,
  options: { path: string | undefined; logger?: Logger; onOutput?: (text: string) => void },
): AwsHostProvider {
  return new AwsHostProvider({
    settings,
    logger: options.logger,
    openStack: () =>
      openPulumiStack({
        projectName: HOSTS_PROJECT,
        stackName: settings.stackName,
        workDir: settings.workDir,
        path: options.path,
        backendUrl: settings.backendUrl,
        secretsProvider: settings.secretsProvider,
        onOutput: options.onOutput,
        program: async () => {
          const { hostsProgram } = await import('./hosts-program.js');
          return { ...(await hostsProgram()) };
        },
      }),
  });
}
