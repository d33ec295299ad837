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
  build: (image: string, dockerfile: string, contextDir: string) => ['docker', 'build', '--file', dockerfile, '--tag', image, contextDir],
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
      .description("build the Dockerfile here and push it as the app's image of a process type")
      .argument('<type>', 'the process type, e.g. web')
      .option('--dockerfile <path>', 'the Dockerfile', 'Dockerfile'),
  ).action(async (type: string, options: AppOptions & { dockerfile: string }) => {
    const app = await ctx.app(options);
    const image = pushedImageName(await registryHost(ctx), app, checkType(type));
    ctx.note(`=== Building ${type} (${options.dockerfile})`);
    ctx.print((await docker(ctx, dockerCommands.build(image, options.dockerfile, '.'))).trimEnd());
    ctx.note(`=== Pushing ${type} (${image})`);
    ctx.print((await docker(ctx, dockerCommands.push(image))).trimEnd());
    ctx.print(`Pushed ${image}: release it with slipway container:release ${type} -a ${app}`);
  });

  appOptions(
    program.command('container:release').description('release the image last pushed for a process type').argument('<type>', 'the process type, e.g. web'),
  ).action(async (type: string, options: AppOptions) => {
    const app = await ctx.app(options);
    const image = pushedImageName(await registryHost(ctx), app, checkType(type));
    const imageId = (await docker(ctx, dockerCommands.imageId(image))).trim();
    await (await ctx.api()).patch(apiPath`/apps/${app}/formation`, { updates: [{ type, docker_image: imageId }] });
    ctx.print(`Releasing images ${type} to ${app}... done`);
  });
}
