// The real builder: buildpacks/ over the control plane host's Docker Engine. Each stack is
// prepared once (minutes the first time, then cached): the default one at start, any other by
// the first build that uses it, which shows its progress in that push; builds wait for it.
import type Docker from 'dockerode';
import {
  BuildError,
  buildApp,
  DEFAULT_STACK_RECIPE,
  ensureAddonImage,
  ensureBuildNetwork,
  ensureStack,
  stackRecipe,
  tagImage,
  type BuilderConfig,
  type Stack,
} from '../../buildpacks/index.js';
import { addonPlanStack, type AddonPlan, type AddonService } from '../../common/addons.js';
import { BUILD_CONTAINER_LABELS } from '../../common/labels.js';
import type { Logger } from '../../common/logger.js';
import type { ImageRef } from '../../common/types.js';
import { BuildFailedError, type BuildInput, type BuildOutput, type Builder } from './builder.js';

const BUILD_ID_LABEL = BUILD_CONTAINER_LABELS.buildId;

type PushLog = BuildInput['log'];

/** What the builder prepares stacks with: buildpacks/ itself, or stand-ins in unit tests. */
export interface StackPreparation {
  ensureBuildNetwork: typeof ensureBuildNetwork;
  ensureStack: typeof ensureStack;
  ensureAddonImage: typeof ensureAddonImage;
}

export class BuildpacksBuilder implements Builder {
  /** Stacks by name: being prepared, or ready. A failure is forgotten, so the next build tries again. */
  private readonly stacks = new Map<string, Promise<Stack>>();
  private readonly readyStacks = new Set<string>();
  private network: Promise<void> | null = null;
  /** Aborted by close(): stops stack builds still running. */
  private readonly closing = new AbortController();

  constructor(
    private readonly docker: Docker,
    private readonly config: BuilderConfig,
    private readonly logger: Logger,
    /** The stack new apps get: prepared at start, and what `ready` reports on. */
    private readonly defaultStack: string = DEFAULT_STACK_RECIPE.name,
    private readonly preparation: StackPreparation = { ensureBuildNetwork, ensureStack, ensureAddonImage },
  ) {}

  get ready(): boolean {
    return this.readyStacks.has(this.defaultStack);
  }

  /** Builds (or finds) the default stack; safe to call many times. */
  prepare(): Promise<Stack> {
    return this.stack(this.defaultStack, null);
  }

  /** The stack named `name`, prepared once; `push` (the build that asked) sees the progress. */
  stack(name: string, push: PushLog | null): Promise<Stack> {
    const pending = this.stacks.get(name);
    if (pending) {
      if (push && !this.readyStacks.has(name)) void push(`-----> Waiting for the ${name} stack (another build is preparing it)`);
      return pending;
    }
    const recipe = stackRecipe(name);
    if (!recipe) return Promise.reject(new BuildFailedError(`This app's stack, ${name}, does not exist on this platform. Choose another with: slipway stack:set <stack>`));
    const operator = (line: string) => this.logger.info({ stack: name }, line);
    // The push sees the steps; the commands' own output (hundreds of lines) goes to the operator's log.
    // Never awaited: a slow or gone pusher must not hold up a stack other builds wait for.
    const log = (line: string) => {
      operator(line);
      if (push) void push(line);
    };
    if (push) void push(`-----> Preparing the ${name} stack (the first build on it here)`);
    const prepared = (async () => {
      // The builds network first: its warning (no firewall rule) goes to the operator's log.
      this.network ??= this.preparation.ensureBuildNetwork(this.docker, (message) => this.logger.warn(message)).then(
        () => undefined,
        (err: unknown) => {
          this.network = null;
          throw err;
        },
      );
      await this.network;
      return this.preparation.ensureStack(this.docker, this.config, log, { recipe, commandOutput: operator, signal: this.closing.signal });
    })().then(
      (stack) => {
        this.readyStacks.add(name);
        this.logger.info({ stack: name, runImage: stack.runImage, buildImage: stack.buildImage }, 'stack ready');
        return stack;
      },
      (err: unknown) => {
        this.stacks.delete(name);
        throw err;
      },
    );
    this.stacks.set(name, prepared);
    return prepared;
  }

  /** Stops the stacks being prepared (their commands are stopped and their /proc unmounted) and
   *  waits for them; a stop that let them run would have them killed with this process. */
  async close(): Promise<void> {
    this.closing.abort(new Error('the control plane is stopping'));
    await Promise.allSettled(this.stacks.values());
  }

  async build(input: BuildInput): Promise<BuildOutput> {
    try {
      const stack = await this.stack(input.stack, input.log);
      const outcome = await buildApp(this.docker, this.config, stack, {
        buildId: input.buildId,
        appName: input.appName,
        appId: input.appId,
        source: input.source,
        log: input.log,
        signal: input.signal,
        buildpacks: input.buildpacks,
        configVars: input.configVars,
      });
      return { image: outcome.image, processTypes: outcome.processTypes, healthChecks: outcome.healthChecks, buildpack: outcome.buildpack, stack: outcome.stack };
    } catch (err) {
      // buildApp has already written the reason and the output tail to the build log.
      if (err instanceof BuildError) throw new BuildFailedError(err.message, { cause: err, logged: true });
      throw err;
    }
  }

  async removeBuildLeftovers(buildId: string): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${BUILD_ID_LABEL}=${buildId}`] } });
    for (const info of containers) {
      await this.docker.getContainer(info.Id).remove({ force: true, v: true });
      this.logger.info({ build: buildId, container: info.Id }, 'removed the container of a build whose control plane died');
    }
  }

  /** The add-on service's image (for `plan`: its version, over its stack; else over the default
   *  stack), built once, then found and re-pushed. */
  async addonImage(service: AddonService, plan?: AddonPlan): Promise<ImageRef> {
    const stack = await this.stack(plan ? addonPlanStack(plan, this.defaultStack) : this.defaultStack, null);
    const log = (line: string) => this.logger.info({ addonService: service.name }, line);
    const image = await this.preparation.ensureAddonImage(this.docker, this.config, stack, service, log, plan);
    return { repository: image.repository, digest: image.digest };
  }

  tagImage(image: ImageRef, tag: string): Promise<void> {
    return tagImage(this.config, image.repository, image.digest, tag);
  }
}
