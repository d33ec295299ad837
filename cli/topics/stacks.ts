// stack, stack:set: the stack an app builds and runs on (Heroku's wording).
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson, StackJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { heading } from '../format.js';

/** Pure: the stacks, the app's current one starred, the next build's marked when it differs. */
export function stackList(app: AppJson, stacks: readonly StackJson[]): string[] {
  return [
    heading(`${app.name} Available Stacks`),
    ...stacks.map((stack) => {
      if (stack.name === app.stack.name) return `* ${stack.name}`;
      if (stack.name === app.build_stack.name) return `  ${stack.name} (active on next deploy)`;
      return `  ${stack.name}`;
    }),
  ];
}

export function registerStackCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('stack').description("list the stacks, the app's marked"))).action(
    async (options: AppOptions & JsonOption) => {
      const name = await ctx.app(options);
      const api = await ctx.api();
      const [app, stacks] = await Promise.all([api.get<AppJson>(apiPath`/apps/${name}`), api.get<StackJson[]>('/stacks')]);
      if (options.json) ctx.printJson(stacks);
      else ctx.print(...stackList(app, stacks));
    },
  );

  jsonOption(
    appOptions(program.command('stack:set').description("set the stack of the app's next build").argument('<stack>', `a stack name (${ctx.command} stack lists them)`)),
  ).action(async (stack: string, options: AppOptions & JsonOption) => {
    const name = await ctx.app(options);
    const api = await ctx.api();
    const app = await ctx.step(`Setting the stack of ${name} to ${stack}`, () => api.patch<AppJson>(apiPath`/apps/${name}`, { build_stack: stack }));
    if (options.json) return ctx.printJson(app);
    ctx.print(
      `Setting stack to ${app.build_stack.name}... done`,
      `You will need to redeploy ${app.name} for the change to take effect.`,
      `Run git push ${ctx.command} main to trigger a new build on ${app.name}.`,
    );
  });
}
