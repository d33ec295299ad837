// container:login, container:push and container:release (Heroku's container registry flow):
// Docker logs in to the platform registry with the user's API token, builds and pushes
// `<registry>/<app>/<type>`, and the formation API releases the pushed image. The docker
// commands are argv arrays built by pure functions; the token goes through stdin only.
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import { REGISTRY_INFO_PATH } from '../../common/registry-token.js';
import { processTypeProblem } from '../../common/names.js';
import { appOptions, type AppOptions, type CommandContext } from '../context.js';
import { CliError } from '../errors.js';

/** Docker takes any user name with the token as the password, as Heroku's registry does. */
export const DOCKER_USERNAME = '_';

export const dockerCommands = {
  login: (registry: string) => ['docker', 'login', registry, '--username', DOCKER_USERNAME, '--password-stdin'],
  build: (images: readonly string[], dockerfile: string, contextDir: string, buildArgs: readonly string[] = []) => [
    'docker', 'build', '--file', dockerfile, ...buildArgs.flatMap((arg) => ['--build-arg', arg]), ...images.flatMap((image) => ['--tag', image]), contextDir,
  ],
  push: (image: string) => ['docker', 'push', image],
  imageId: (image: string) => ['docker', 'image', 'inspect', '--format', '{{.Id}}', image],
} as const;

/** Pure: the image a process type of an app is pushed as (Heroku: `registry.heroku.com/<app>/<type>`). */
export function pushedImageName(registry: string, app: string, type: string): string {
  return `${registry}/${app}/${type}`;
}

function checkType(type: string): string {
  const problem = processTypeProblem(type);
  if (problem) throw new CliError(problem);
  return type;
}

async function registryHost(ctx: CommandContext): Promise<string> {
  const { host } = await (await ctx.api()).get<{ host: string }>(REGISTRY_INFO_PATH);
  return host;
}

async function docker(ctx: CommandContext, argv: readonly string[], stdin?: string): Promise<string> {
  const result = await ctx.io.run(argv, { cwd: ctx.io.cwd, stdin });
  if (result.stderr.trim()) ctx.note(result.stderr.trimEnd());
  if (result.exitCode !== 0) throw new CliError(`${argv.slice(0, 2).join(' ')} failed (exit code ${result.exitCode}).`);
  return result.stdout;
}

/** Pure: Heroku's `--arg A=1,B=2` as docker's build args; a pair without `=` is refused. */
export function buildArgs(flag: string | undefined): string[] {
  if (!flag) return [];
  const pairs = flag.split(',').map((pair) => pair.trim()).filter(Boolean);
  const bad = pairs.find((pair) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair));
  if (bad) throw new CliError(`--arg: ${JSON.stringify(bad)} is not KEY=VALUE.`);
  return pairs;
}

export function registerContainerCommands(program: Command, ctx: CommandContext): void {
  program
    .command('container:login')
    .description('log Docker in to the platform registry with your API token')
    .action(async () => {
      const { token } = await ctx.credentials();
      const registry = await registryHost(ctx);
      await docker(ctx, dockerCommands.login(registry), token);
      ctx.print(`Docker is logged in to ${registry}: push to ${registry}/<app>/<process type>.`);
    });

  appOptions(
    program
      .command('container:push')
      .description("build the Dockerfile here and push it as the app's image of each process type given")
      .argument('<types...>', 'the process types, e.g. web worker')
      .option('--dockerfile <path>', 'the Dockerfile', 'Dockerfile')
      .option('--arg <KEY=VALUE,...>', "build-time variables (the Dockerfile's ARG), comma-separated"),
  ).action(async (types: string[], options: AppOptions & { dockerfile: string; arg?: string }) => {
    const app = await ctx.app(options);
    const registry = await registryHost(ctx);
    const images = types.map((type) => pushedImageName(registry, app, checkType(type)));
    // One build, named once per process type (Heroku's container:push of several types).
    ctx.note(`=== Building ${types.join(', ')} (${options.dockerfile})`);
    ctx.print((await docker(ctx, dockerCommands.build(images, options.dockerfile, '.', buildArgs(options.arg)))).trimEnd());
    for (const image of images) {
      ctx.note(`=== Pushing ${image}`);
      ctx.print((await docker(ctx, dockerCommands.push(image))).trimEnd());
    }
    ctx.print(`Pushed ${images.join(', ')}: release with ${ctx.command} container:release ${types.join(' ')} -a ${app}`);
  });

  appOptions(
    program
      .command('container:release')
      .description('release the images last pushed for the process types given, in one release')
      .argument('<types...>', 'the process types, e.g. web worker'),
  ).action(async (types: string[], options: AppOptions) => {
    const app = await ctx.app(options);
    const registry = await registryHost(ctx);
    const updates: { type: string; docker_image: string }[] = [];
    for (const type of types) {
      const imageId = (await docker(ctx, dockerCommands.imageId(pushedImageName(registry, app, checkType(type))))).trim();
      updates.push({ type, docker_image: imageId });
    }
    const api = await ctx.api();
    await ctx.step(`Releasing ${types.join(',')} to ${app}`, () => api.patch(apiPath`/apps/${app}/formation`, { updates }));
    ctx.print(`Releasing images ${types.join(',')} to ${app}... done`);
  });
}
