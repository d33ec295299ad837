// The real builder: buildpacks/ over the control plane host's Docker Engine. The stack is
// prepared once (minutes the first time, then cached) and every build waits for it.
import type Docker from 'dockerode';
import { BuildError, buildApp, ensureBuildNetwork, ensureStack, tagImage, type BuilderConfig, type Stack } from '../../buildpacks/index.js';
import { BUILD_CONTAINER_LABELS } from '../../common/labels.js';
import type { Logger } from '../../common/logger.js';
import type { ImageRef } from '../../common/types.js';
import { BuildFailedError, type BuildInput, type BuildOutput, type Builder } from './builder.js';

const BUILD_ID_LABEL = BUILD_CONTAINER_LABELS.buildId;

export class BuildpacksBuilder implements Builder {
  private stack: Promise<Stack> | null = null;
  private stackReady = false;

  constructor(
    private readonly docker: Docker,
    private readonly config: BuilderConfig,
    private readonly logger: Logger,
  ) {}

  get ready(): boolean {
    return this.stackReady;
  }

  /** Builds (or finds) the stack; safe to call many times. */
  prepare(): Promise<Stack> {
    if (!this.stack) {
      // The builds network first: its warning (no firewall rule) goes to the operator's log.
      const ready = async () => {
        await ensureBuildNetwork(this.docker, (message) => this.logger.warn(message));
        return ensureStack(this.docker, this.config, (line) => this.logger.info({ stack: true }, line));
      };
      this.stack = ready().then(
        (stack) => {
          this.stackReady = true;
          this.logger.info({ runImage: stack.runImage, buildImage: stack.buildImage }, 'stack ready');
          return stack;
        },
        (err: unknown) => {
          this.stack = null;
          throw err;
        },
      );
    }
    return this.stack;
  }

  async build(input: BuildInput): Promise<BuildOutput> {
    const stack = await this.prepare();
    try {
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
      return { image: outcome.image, processTypes: outcome.processTypes, buildpack: outcome.buildpack, stack: outcome.stack };
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

  tagImage(image: ImageRef, tag: string): Promise<void> {
    return tagImage(this.config, image.repository, image.digest, tag);
  }
}
