// certs, certs:add, certs:info, certs:remove (Heroku's SNI endpoints: certificates for an app's
// custom domains; each hostname is served with the newest certificate that covers it), and
// certs:auto* (Automated Certificate Management: the platform gets them over ACME)
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AppJson, DomainJson, SniEndpointJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatKeyValues, formatTable, formatTime, heading } from '../format.js';

export function certificateTable(endpoints: readonly SniEndpointJson[]): string[] {
  return formatTable(endpoints, [
    { header: 'NAME', value: (e) => e.name },
    { header: 'COMMON NAMES', value: (e) => e.ssl_cert.cert_domains.join(', ') },
    { header: 'EXPIRES', value: (e) => formatTime(e.ssl_cert.expires_at) },
    { header: 'TRUSTED', value: (e) => (e.ssl_cert['ca_signed?'] ? 'yes' : 'no') },
    { header: 'DOMAINS', value: (e) => e.domains.join(', ') },
  ]);
}

export function certificateDetails(endpoint: SniEndpointJson): string[] {
  return [
    heading(`Certificate ${endpoint.name}`),
    ...formatKeyValues([
      ['Common names', endpoint.ssl_cert.cert_domains.join(', ')],
      ['Serves', endpoint.domains.join(', ') || 'no domain (newer certificates cover them)'],
      ['Starts', formatTime(endpoint.ssl_cert.starts_at)],
      ['Expires', formatTime(endpoint.ssl_cert.expires_at)],
      ['Issuer', endpoint.ssl_cert.issuer ?? ''],
      ['Subject', endpoint.ssl_cert.subject ?? ''],
      ['Trusted', endpoint.ssl_cert['ca_signed?'] ? 'yes, signed by a known authority' : 'no (self-signed or unknown authority)'],
    ]),
  ];
}

/** Heroku's words for an ACM status. */
export function acmStatusWords(status: DomainJson['acm_status']): string {
  if (status === null) return 'Waiting';
  if (status === 'verified') return 'In Progress';
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/** `certs:auto`: each custom domain's state, with the reason of a failure. */
export function acmTable(domains: readonly DomainJson[]): string[] {
  const custom = domains.filter((d) => d.kind === 'custom');
  return formatTable(custom, [
    { header: 'DOMAIN', value: (d) => d.hostname },
    { header: 'STATUS', value: (d) => acmStatusWords(d.acm_status) },
    ...(custom.some((d) => d.acm_status_reason) ? [{ header: 'REASON', value: (d: DomainJson) => d.acm_status_reason ?? '' }] : []),
    { header: 'LAST UPDATED', value: (d) => formatTime(d.updated_at) },
  ]);
}

/** The one certificate a command means: named, or the app's only one. */
async function chosenCertificate(ctx: CommandContext, app: string, name: string | undefined): Promise<SniEndpointJson> {
  const endpoints = await (await ctx.api()).get<SniEndpointJson[]>(apiPath`/apps/${app}/sni-endpoints`);
  const chosen = name ? endpoints.filter((e) => e.name === name) : endpoints;
  if (chosen.length === 0) throw new CliError(name ? `${app} has no certificate ${name}.` : `${app} has no SSL certificates.`);
  if (chosen.length > 1) throw new CliError(`${app} has ${chosen.length} certificates: name one with --name (${ctx.command} certs lists them).`);
  return chosen[0]!;
}

export function registerCertCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('certs').description("list the app's SSL certificates"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const endpoints = await (await ctx.api()).get<SniEndpointJson[]>(apiPath`/apps/${app}/sni-endpoints`);
    if (options.json) return ctx.printJson(endpoints);
    if (endpoints.length === 0) return ctx.print(`${app} has no SSL certificates (${ctx.command} certs:add CRT KEY adds one).`);
    ctx.print(...certificateTable(endpoints));
  });

  jsonOption(
    appOptions(
      program
        .command('certs:add')
        .description('add a certificate (PEM chain, leaf first) and its private key for custom domains it covers')
        .argument('<crt>', 'the certificate chain file')
        .argument('<key>', 'the private key file'),
    ),
  ).action(async (crt: string, key: string, options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const [chain, privateKey] = await Promise.all([crt, key].map((file) => readFile(resolve(ctx.io.cwd, file), 'utf8')));
    const api = await ctx.api();
    const endpoint = await ctx.step(`Adding SSL certificate to ${app}`, () => api.post<SniEndpointJson>(apiPath`/apps/${app}/sni-endpoints`, { certificate_chain: chain, private_key: privateKey }));
    if (options.json) ctx.printJson(endpoint);
    else ctx.print(...certificateDetails(endpoint));
  });

  jsonOption(appOptions(program.command('certs:info').description('show a certificate').option('--name <name>', 'which one, when the app has several'))).action(
    async (options: AppOptions & JsonOption & { name?: string }) => {
      const endpoint = await chosenCertificate(ctx, await ctx.app(options), options.name);
      if (options.json) ctx.printJson(endpoint);
      else ctx.print(...certificateDetails(endpoint));
    },
  );

  appOptions(program.command('certs:remove').description('remove a certificate (its domains go back to the default certificate)').option('--name <name>', 'which one, when the app has several').option('--confirm <app>', 'the app name again, to confirm')).action(
    async (options: AppOptions & { name?: string; confirm?: string }) => {
      const app = await ctx.app(options);
      const endpoint = await chosenCertificate(ctx, app, options.name);
      if (options.confirm !== app) throw new CliError(`This removes certificate ${endpoint.name} from ${app}. To proceed, run again with --confirm ${app}`);
      const api = await ctx.api();
      await ctx.step(`Removing SSL certificate ${endpoint.name} from ${app}`, () => api.delete(apiPath`/apps/${app}/sni-endpoints/${endpoint.name}`));
      ctx.print(`Removed certificate ${endpoint.name} from ${app}`);
    },
  );

  jsonOption(appOptions(program.command('certs:auto').description('show Automated Certificate Management’s state of each custom domain'))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const [info, domains] = await Promise.all([api.get<AppJson>(apiPath`/apps/${app}`), api.get<DomainJson[]>(apiPath`/apps/${app}/domains`)]);
    if (options.json) return ctx.printJson(domains.filter((d) => d.kind === 'custom'));
    if (!info.acm) return ctx.print(`Automated Certificate Management is disabled on ${app} (${ctx.command} certs:auto:enable turns it on).`);
    ctx.print(heading(`Automated Certificate Management is enabled on ${app}`));
    if (!domains.some((d) => d.kind === 'custom')) return ctx.print(`Add a custom domain to your app: ${ctx.command} domains:add <hostname>`);
    ctx.print(...acmTable(domains));
    if (domains.some((d) => d.acm_status === 'failed')) ctx.print('', `Some domains failed after several attempts: check their DNS, then ${ctx.command} certs:auto:refresh`);
    else if (domains.some((d) => d.acm_status === 'failing')) ctx.print('', `Some domains are failing validation: check that their DNS points at ${ctx.platform} (${ctx.command} domains)`);
  });

  appOptions(program.command('certs:auto:enable').description('get certificates for the custom domains automatically (ACME)')).action(async (options: AppOptions) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    await ctx.step('Enabling Automatic Certificate Management', () => api.post(apiPath`/apps/${app}/acm`, {}));
    ctx.print(`Certificates for ${app}'s custom domains are now managed for you: ${ctx.command} certs:auto shows their state.`);
  });

  appOptions(program.command('certs:auto:disable').description('stop managing certificates automatically (the ones it issued are removed)').option('--confirm <app>', 'the app name again, to confirm')).action(
    async (options: AppOptions & { confirm?: string }) => {
      const app = await ctx.app(options);
      if (options.confirm !== app) throw new CliError(`This removes the certificates Automated Certificate Management issued for ${app}. To proceed, run again with --confirm ${app}`);
      const api = await ctx.api();
      await ctx.step('Disabling Automatic Certificate Management', () => api.delete(apiPath`/apps/${app}/acm`));
    },
  );

  appOptions(program.command('certs:auto:refresh').description('try every custom domain’s certificate again now')).action(async (options: AppOptions) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    await ctx.step('Refreshing Automatic Certificate Management', () => api.patch(apiPath`/apps/${app}/acm`, { acm_refresh: true }));
  });
}
