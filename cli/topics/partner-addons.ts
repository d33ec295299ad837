// Third-party add-ons: addons:open (single sign-on to the partner's dashboard), and for
// operators addons:partners, addons:partners:register <manifest.json> (prints the service's
// OAuth client secret, once), addons:partners:rotate-secret, addons:partners:remove.
// addons:create, :destroy, :attach and :detach work for partner services as for built-ins
// (topics/addons.ts).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AddonOpenJson, PartnerAddonServiceJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatTable } from '../format.js';

const price = (cents: number) => `$${(cents / 100).toFixed(2)}/month`;

/** Pure: what the operator hands the partner after registering or rotating: the secret (this
 *  once: the platform keeps only its hash) and where to exchange grants. */
export function clientSecretLines(service: PartnerAddonServiceJson): string[] {
  if (!service.client_secret) return [];
  return [`Give the partner its OAuth client secret (shown this once): ${service.client_secret}`, `and the URL where it exchanges its grants: ${service.oauth_token_url}`];
}

/** Pure: the registered services as a table. */
export function partnerServiceTable(services: readonly PartnerAddonServiceJson[]): string[] {
  return formatTable(services, [
    { header: 'SERVICE', value: (s) => s.id },
    { header: 'NAME', value: (s) => s.name },
    { header: 'PLANS', value: (s) => s.plans.map((p) => `${p.name}${p.default ? '*' : ''} ${price(p.price.cents)}`).join(', ') },
    { header: 'CONFIG VARS', value: (s) => s.config_vars.join(', ') },
  ]);
}

export function registerPartnerAddonCommands(program: Command, ctx: CommandContext): void {
  appOptions(program.command('addons:open').description("open a third-party add-on's dashboard in a browser, signed in (single sign-on)").argument('<addon>')).action(async (ref: string, options: AppOptions) => {
    const app = await ctx.app(options);
    const opened = await (await ctx.api()).post<AddonOpenJson>(apiPath`/apps/${app}/addons/${ref}/actions/open`, {});
    const browser = ctx.io.config.browser;
    ctx.print(opened.web_url);
    if (browser) {
      const run = await ctx.io.run([browser, opened.web_url], { cwd: ctx.io.cwd }).catch((err: Error) => ({ exitCode: 1, stderr: err.message }));
      if (run.exitCode !== 0) ctx.note(`(${browser} did not open it: open the URL yourself, once, before ${opened.expires_at}.)`);
    } else {
      ctx.note(`Open that URL in a browser once, before ${opened.expires_at} (set BROWSER to open it for you).`);
    }
  });

  jsonOption(program.command('addons:partners').description('the registered third-party add-on services (operators)')).action(async (options: JsonOption) => {
    const services = await (await ctx.api()).get<PartnerAddonServiceJson[]>('/partner-addon-services');
    if (options.json) ctx.printJson(services);
    else if (services.length === 0) ctx.print('No third-party add-on services are registered.');
    else ctx.print(...partnerServiceTable(services));
  });

  jsonOption(program.command('addons:partners:register').description("register a third-party add-on service from its Heroku add-on manifest (JSON) and plans (operators)").argument('<manifest>', 'the manifest file')).action(
    async (file: string, options: JsonOption) => {
      const text = await readFile(resolve(ctx.io.cwd, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new CliError(`Could not read ${file}: ${err.code ?? err.message}`);
      });
      let manifest: unknown;
      try {
        manifest = JSON.parse(text);
      } catch {
        throw new CliError(`${file} is not JSON.`);
      }
      const service = await (await ctx.api()).post<PartnerAddonServiceJson>('/partner-addon-services', manifest);
      if (options.json) ctx.printJson(service);
      else ctx.print(`Registered ${service.id} (${service.name}): users add it with ${ctx.command} addons:create ${service.id}:<plan>`, ...clientSecretLines(service));
    },
  );

  jsonOption(program.command('addons:partners:rotate-secret').description("a new OAuth client secret for a third-party add-on service; the old one stops working at once (operators)").argument('<service>')).action(async (id: string, options: JsonOption) => {
    const service = await (await ctx.api()).post<PartnerAddonServiceJson>(apiPath`/partner-addon-services/${id}/actions/rotate-secret`, {});
    if (options.json) ctx.printJson(service);
    else ctx.print(`Rotated the client secret of ${service.id}: the old one is refused from now on.`, ...clientSecretLines(service));
  });

  program
    .command('addons:partners:remove')
    .description('remove a third-party add-on service that has no add-ons left (operators)')
    .argument('<service>')
    .option('--confirm <service>', 'the service id again, to confirm')
    .action(async (id: string, options: { confirm?: string }) => {
      if (options.confirm !== id) throw new CliError(`This removes the add-on service ${id}. To proceed, run again with --confirm ${id}`);
      const service = await (await ctx.api()).delete<PartnerAddonServiceJson>(apiPath`/partner-addon-services/${id}`);
      ctx.print(`Removed ${service.id}`);
    });
}
