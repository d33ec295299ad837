// The builder's stacks, one promise per stack name: prepared once, the push that asked sees the
// steps (not the commands' output), a build arriving meanwhile waits and says so, a failure is
// retried by the next build. Stand-ins for buildpacks/' ensureStack and network (the real ones
// are exercised by buildpacks/stack/trixie.test.ts and test/e2e/stacks.test.ts).
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { builderConfig, TRIXIE_RECIPE, type EnsureStackOptions, type Stack } from '../../buildpacks/index.js';
import type { BuildLog } from '../../buildpacks/log.js';
import { addonService, type AddonPlan } from '../../common/addons.js';
import { silentLogger } from '../../common/logger.js';
import { BuildFailedError } from './builder.js';
import { BuildpacksBuilder, type StackPreparation } from './buildpacks-builder.js';

const stackNamed = (name: string): Stack => ({
  name,
  id: `id-${name}`,
  runImage: `run-${name}`,
  buildImage: `build-${name}`,
  registryRepository: 'slipway/stack',
  registry: 'r:1',
  layers: [],
  prepared: true,
});

/** ensureStack stand-in: logs a heading, a step and command output, then waits to be let go. */
function gatedPreparation() {
  const calls: EnsureStackOptions[] = [];
  const gates: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const preparation: StackPreparation = {
    ensureBuildNetwork: async () => 'slipway-builds',
    ensureStack: async (_docker: Docker, _config, log: BuildLog, options: EnsureStackOptions = {}) => {
      calls.push(options);
      const name = options.recipe!.name;
      await log(`-----> Building the ${name} stack id-${name} from Debian packages (takes a few minutes, once)`);
      await log(`       debootstrap ${name} (minbase) from http://deb.debian.org/debian`);
      options.commandOutput!('I: Retrieving InRelease');
      await new Promise<void>((resolve, reject) => gates.push({ resolve, reject }));
      return stackNamed(name);
    },
    ensureAddonImage: async () => {
      throw new Error('no add-on images in this stand-in');
    },
  };
  return { preparation, calls, gates };
}

const config = builderConfig({ registry: 'r:1', baseDir: '/nonexistent' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BuildpacksBuilder stacks', () => {
  it('prepares a stack once, showing its steps to the push that asked and making later builds wait', async () => {
    const { preparation, calls, gates } = gatedPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', preparation);
    const first: string[] = [];
    const second: string[] = [];
    const one = builder.stack('trixie', (line) => void first.push(line));
    await settle();
    const two = builder.stack('trixie', (line) => void second.push(line));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.recipe).toBe(TRIXIE_RECIPE);
    expect(first).toEqual([
      '-----> Preparing the trixie stack (the first build on it here)',
      '-----> Building the trixie stack id-trixie from Debian packages (takes a few minutes, once)',
      '       debootstrap trixie (minbase) from http://deb.debian.org/debian',
    ]);
    expect(second).toEqual(['-----> Waiting for the trixie stack (another build is preparing it)']);
    gates[0]!.resolve();
    expect((await one).name).toBe('trixie');
    expect(await two).toBe(await one);

    const third: string[] = [];
    expect(await builder.stack('trixie', (line) => void third.push(line))).toBe(await one);
    expect(third).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('is ready when the default stack is, whatever the others', async () => {
    const { preparation, gates } = gatedPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', preparation);
    const trixie = builder.stack('trixie', null);
    await settle();
    gates[0]!.resolve();
    await trixie;
    expect(builder.ready).toBe(false);
    const bookworm = builder.prepare();
    await settle();
    gates[1]!.resolve();
    expect((await bookworm).name).toBe('bookworm');
    expect(builder.ready).toBe(true);
  });

  it('forgets a failed preparation, so the next build tries again', async () => {
    const { preparation, calls, gates } = gatedPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', preparation);
    const failing = builder.stack('trixie', null);
    await settle();
    gates[0]!.reject(new Error('deb.debian.org did not answer'));
    await expect(failing).rejects.toThrow('deb.debian.org did not answer');
    const retry = builder.stack('trixie', null);
    await settle();
    expect(calls).toHaveLength(2);
    gates[1]!.resolve();
    expect((await retry).name).toBe('trixie');
  });

  it('fails a build on a stack with no recipe with a message the user can act on', async () => {
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', gatedPreparation().preparation);
    const err = await builder.stack('buster', null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as Error).message).toBe("This app's stack, buster, does not exist on this platform. Choose another with: slipway stack:set <stack>");
  });

  it('close() stops the stacks being prepared and returns once they have stopped', async () => {
    const { preparation, calls } = gatedPreparation();
    // this stand-in stops when its signal says so, as ensureStack's commands do
    const stoppable: StackPreparation = {
      ...preparation,
      ensureStack: async (docker, cfg, log, options = {}) => {
        const prepared = preparation.ensureStack(docker, cfg, log, options);
        await new Promise((_, reject) => options.signal!.addEventListener('abort', () => reject(options.signal!.reason), { once: true }));
        return prepared;
      },
    };
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', stoppable);
    const bookworm = builder.prepare();
    const trixie = builder.stack('trixie', null);
    await settle();
    expect(calls.map((options) => options.signal!.aborted)).toEqual([false, false]);
    let closed = false;
    const closing = builder.close().then(() => (closed = true));
    await expect(bookworm).rejects.toThrow('the control plane is stopping');
    await expect(trixie).rejects.toThrow('the control plane is stopping');
    await closing;
    expect(closed).toBe(true);
    expect(builder.ready).toBe(false);
  });
});

describe('BuildpacksBuilder add-on images', () => {
  /** Stand-ins that prepare any stack at once and record which stack each add-on image was built on. */
  function instantPreparation() {
    const built: Array<{ stack: string; plan: string | undefined; version: string | undefined }> = [];
    const prepared: string[] = [];
    const preparation: StackPreparation = {
      ensureBuildNetwork: async () => 'slipway-builds',
      ensureStack: async (_docker, _config, _log, options = {}) => {
        prepared.push(options.recipe!.name);
        return stackNamed(options.recipe!.name);
      },
      ensureAddonImage: async (_docker, _config, stack, service, _log, plan) => {
        built.push({ stack: stack.name, plan: plan?.name, version: plan?.version });
        return { repository: `slipway/addon-${service.name}`, digest: `sha256:${stack.name}`, versions: {} };
      },
    };
    return { preparation, built, prepared };
  }
  const postgresql = addonService('postgresql')!;
  const planOf = (extra: Partial<AddonPlan>): AddonPlan => ({ ...postgresql.plans[0]!, name: 'postgresql:pg', short: 'pg', ...extra });

  it("builds a plan's server on the stack it names, with its version", async () => {
    const { preparation, built, prepared } = instantPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', preparation);
    const image = await builder.addonImage(postgresql, planOf({ stack: 'trixie', version: '17' }));
    expect(image).toEqual({ repository: 'slipway/addon-postgresql', digest: 'sha256:trixie' });
    expect(prepared).toEqual(['trixie']);
    expect(built).toEqual([{ stack: 'trixie', plan: 'postgresql:pg', version: '17' }]);
  });

  it("builds a plan that names no stack on the operator's default stack", async () => {
    const { preparation, built, prepared } = instantPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'trixie', preparation);
    await builder.addonImage(postgresql, planOf({ version: '15' }));
    await builder.addonImage(postgresql);
    expect(prepared).toEqual(['trixie']); // prepared once, used by both
    expect(built.map((b) => b.stack)).toEqual(['trixie', 'trixie']);
  });

  it('refuses a plan whose stack the platform does not have', async () => {
    const { preparation, built } = instantPreparation();
    const builder = new BuildpacksBuilder({} as Docker, config, silentLogger(), 'bookworm', preparation);
    await expect(builder.addonImage(postgresql, planOf({ stack: 'buster' }))).rejects.toThrow(/buster, does not exist/);
    expect(built).toEqual([]);
  });
});
