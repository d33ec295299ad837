// addons, addons:create, addons:info, addons:destroy, addons:attach, addons:detach, addons:plans
// (Heroku's add-ons: PostgreSQL and Redis run by the platform), pg:info, redis:info,
// pg:credentials:rotate, addons:move (operators)
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { AddonAttachmentJson, AddonInfoJson, AddonJson, AddonMoveJson, AddonPlanJson } from '../../common/api-shapes.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatKeyValues, formatTable, heading } from '../format.js';

const price = (cents: number) => `$${(cents / 100).toFixed(2)}/month`;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const ofLimit = (bytes: number, limitMb: number | null | undefined) => `${megabytes(bytes)}${limitMb ? ` of ${limitMb} MB (${Math.round((bytes / (limitMb * 1024 * 1024)) * 100)}%)` : ''}`;

/** Pure: `pg:info` / `redis:info` as Heroku prints them, as key-value lines under the add-on's name.
 *  PostgreSQL's plan storage is held against its data size (over it, Heroku's "Over Plan Capacity:
 *  Access Restricted"); its volume's size (WAL included) is shown beside it. */
export function addonInfoLines(info: AddonInfoJson, attachedAs: readonly string[]): string[] {
  const pg = info.service === 'postgresql';
  const revoked = info.write_access === 'revoked';
  return [
    heading(attachedAs.length > 0 ? attachedAs.join(', ') : info.addon.name),
    ...formatKeyValues([
      ['Plan', info.plan],
      ['Status', revoked ? 'Over Plan Capacity: Access Restricted' : 'Available'],
      [pg ? 'PG Version' : 'Version', info.version],
      pg ? ['Data Size', ofLimit(info.data_size_bytes, info.storage_limit_mb)] : ['Memory Used', megabytes(info.data_size_bytes)],
      ...(revoked ? [['Write Access', `revoked${info.write_access_changed_at ? ` since ${info.write_access_changed_at}` : ''}: INSERT, UPDATE and CREATE refused; delete data (then VACUUM) or upgrade the plan`] as [string, string]] : []),
      [pg ? 'Connections' : 'Clients', `${info.connections}${info.max_connections ? `/${info.max_connections}` : ''}`],
      pg ? ['Tables', String(info.tables ?? 0)] : ['Keys', String(info.keys ?? 0)],
      ...(info.storage_used_bytes != null ? [['Storage', pg ? `${megabytes(info.storage_used_bytes)} on its volume (WAL included)` : ofLimit(info.storage_used_bytes, info.storage_limit_mb)] as [string, string]] : []),
      ['Add-on', info.addon.name],
    ]),
  ];
}

export function addonTable(app: string, addons: readonly AddonJson[], attachments: readonly AddonAttachmentJson[]): string[] {
  return formatTable(addons, [
    { header: 'ADD-ON', value: (a) => a.name },
    { header: 'PLAN', value: (a) => a.plan.name },
    { header: 'OWNING APP', value: (a) => (a.app.name === app ? a.app.name : `${a.app.name} (shared)`) },
    { header: 'AS', value: (a) => attachments.filter((t) => t.addon.id === a.id).map((t) => `${t.name}_URL`).join(', ') },
    { header: 'STATE', value: (a) => (a.availability === 'unavailable' ? 'unavailable' : a.state) },
  ]);
}

/** Pure: its state, and why it cannot be reached when its host is down or gone. */
export function addonState(addon: Pick<AddonJson, 'state' | 'availability' | 'unavailable_reason'>): string {
  return addon.availability === 'unavailable' ? `${addon.state}, unavailable: ${addon.unavailable_reason ?? 'its host is down'}` : addon.state;
}

export function addonInfo(addon: AddonJson, attachments: readonly AddonAttachmentJson[]): string[] {
  return [
    `=== ${addon.name}`,
    `Attachments:  ${attachments.map((a) => `${a.app.name}::${a.name}`).join(', ') || '(none)'}`,
    `Installed at: ${addon.created_at}`,
    `Owning app:   ${addon.app.name}`,
    `Plan:         ${addon.plan.name}`,
    `Price:        ${price(addon.billed_price.cents)}`,
    `State:        ${addonState(addon)}`,
    ...(addon.write_access === 'revoked' ? [`Write access: revoked (over its plan's storage)${addon.write_access_changed_at ? ` since ${addon.write_access_changed_at}` : ''}`] : []),
  ];
}

export function registerAddonCommands(program: Command, ctx: CommandContext): void {
  jsonOption(appOptions(program.command('addons').description("list an app's add-ons"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const [addons, attachments] = await Promise.all([api.get<AddonJson[]>(apiPath`/apps/${app}/addons`), api.get<AddonAttachmentJson[]>(apiPath`/apps/${app}/addon-attachments`)]);
    if (options.json) ctx.printJson(addons);
    else if (addons.length === 0) ctx.print(`No add-ons for app ${app}.`);
    else ctx.print(...addonTable(app, addons, attachments));
  });

  jsonOption(program.command('addons:plans').description("an add-on service's plans (postgresql, redis)").argument('<service>')).action(async (service: string, options: JsonOption) => {
    const plans = await (await ctx.api()).get<AddonPlanJson[]>(apiPath`/addon-services/${service}/plans`);
    if (options.json) return ctx.printJson(plans);
    ctx.print(
      ...formatTable(plans, [
        { header: 'PLAN', value: (p) => `${p.name}${p.default ? ' (default)' : ''}` },
        // a third-party service's plans are sized by the partner
        { header: 'MEMORY', value: (p) => (p.memory_mb === undefined ? '-' : `${p.memory_mb} MB`) },
        { header: 'CPU', value: (p) => (p.cpus === undefined ? '-' : String(p.cpus)) },
        { header: 'PRICE', value: (p) => price(p.price.cents) },
        // the server's version and stack the plan names ('-': the stack's, the default stack)
        { header: 'VERSION', value: (p) => p.version ?? '-' },
        { header: 'STACK', value: (p) => p.stack ?? '-' },
      ]),
    );
  });

  jsonOption(
    appOptions(program.command('addons:create').description('provision an add-on: postgresql[:<plan>] or redis[:<plan>]; sets DATABASE_URL or REDIS_URL').argument('<plan>').option('--as <name>', 'the config var stem (DATABASE for DATABASE_URL)')),
  ).action(async (plan: string, options: AppOptions & JsonOption & { as?: string }) => {
    const app = await ctx.app(options);
    const addon = await (await ctx.api()).post<AddonJson>(apiPath`/apps/${app}/addons`, { plan, ...(options.as ? { attachment: { name: options.as } } : {}) });
    if (options.json) ctx.printJson(addon);
    else ctx.print(`Created ${addon.name} (${addon.plan.name}) as ${addon.config_vars.join(', ')} on ${app}`);
  });

  jsonOption(program.command('addons:info').description('an add-on: plan, owning app, attachments').argument('<addon>')).action(async (ref: string, options: JsonOption) => {
    const api = await ctx.api();
    const addon = await api.get<AddonJson>(apiPath`/addons/${ref}`);
    const attachments = await api.get<AddonAttachmentJson[]>(apiPath`/addons/${addon.id}/addon-attachments`);
    if (options.json) ctx.printJson(addon);
    else ctx.print(...addonInfo(addon, attachments));
  });

  jsonOption(
    appOptions(program.command('addons:destroy').description('destroy an add-on and its data, for good').argument('<addon>').option('--confirm <app>', 'the owning app name again, to confirm')),
  ).action(async (ref: string, options: AppOptions & JsonOption & { confirm?: string }) => {
    const app = await ctx.app(options);
    if (options.confirm !== app) throw new CliError(`This destroys ${ref} and all its data, for good. To proceed, run again with --confirm ${app}`);
    const addon = await (await ctx.api()).delete<AddonJson>(apiPath`/apps/${app}/addons/${ref}`);
    if (options.json) ctx.printJson(addon);
    else ctx.print(`Destroyed ${addon.name} on ${app}`);
  });

  jsonOption(
    appOptions(program.command('addons:attach').description('attach an add-on of another of your apps to this one').argument('<addon>').option('--as <name>', 'the config var stem (default HEROKU_POSTGRESQL_<COLOR>)')),
  ).action(async (addon: string, options: AppOptions & JsonOption & { as?: string }) => {
    const app = await ctx.app(options);
    const attachment = await (await ctx.api()).post<AddonAttachmentJson>('/addon-attachments', { addon, app, ...(options.as ? { name: options.as } : {}) });
    if (options.json) ctx.printJson(attachment);
    else ctx.print(`Attached ${attachment.addon.name} to ${app} as ${attachment.name}_URL`);
  });

  jsonOption(appOptions(program.command('addons:detach').description('detach an add-on from this app, by attachment name (HEROKU_POSTGRESQL_AMBER)').argument('<attachment>'))).action(
    async (ref: string, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const attachment = await (await ctx.api()).delete<AddonAttachmentJson>(apiPath`/apps/${app}/addon-attachments/${ref}`);
      if (options.json) ctx.printJson(attachment);
      else ctx.print(`Detached ${attachment.name} (${attachment.addon.name}) from ${app}`);
    },
  );

  appOptions(
    program
      .command('pg:credentials:rotate')
      .description("give a PostgreSQL add-on a new password; its attached apps get the new DATABASE_URL (a release each, no failed request)")
      .argument('[addon]', 'the add-on (default: the app’s DATABASE)')
      .option('--confirm <app>', 'the app name again, to confirm'),
  ).action(async (ref: string | undefined, options: AppOptions & { confirm?: string }) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const attachments = await api.get<AddonAttachmentJson[]>(apiPath`/apps/${app}/addon-attachments`);
    const chosen = ref ?? attachments.find((a) => a.name === 'DATABASE')?.addon.name;
    if (!chosen) throw new CliError(`${app} has no DATABASE: name the add-on.`);
    if (options.confirm !== app) throw new CliError(`This gives ${chosen} a new password and restarts the apps it is attached to. To proceed, run again with --confirm ${app}`);
    await ctx.step(`Rotating the credentials of ${chosen}`, () => api.post<AddonJson>(apiPath`/addons/${chosen}/actions/rotate-credentials`, {}));
  });

  jsonOption(
    program
      .command('addons:move')
      .description('move a PostgreSQL or Redis add-on to another host by backup and restore (operators); writes made during the move are lost')
      .argument('<addon>', 'the add-on (its name)')
      .option('--host <id>', 'the host to move it to (default: the platform’s choice among the other up hosts)'),
  ).action(async (ref: string, options: JsonOption & { host?: string }) => {
    const api = await ctx.api();
    const moved = await ctx.step(`Moving ${ref} by backup and restore`, () => api.post<AddonMoveJson>(apiPath`/addons/${ref}/actions/move`, options.host ? { host: options.host } : {}));
    if (options.json) ctx.printJson(moved);
    else ctx.print(`${moved.addon.name} moved from host ${moved.from_host} to ${moved.to_host}; its attached apps have the new URL (a release each).`);
  });

  for (const [command, service, stem] of [['pg:info', 'postgresql', 'DATABASE'], ['redis:info', 'redis', 'REDIS']] as const) {
    jsonOption(appOptions(program.command(command).description(`what the app's ${service === 'postgresql' ? 'PostgreSQL' : 'Redis'} add-ons say of themselves`).argument('[addon]', 'one add-on (default: all of that service)'))).action(
      async (ref: string | undefined, options: AppOptions & JsonOption) => {
        const app = await ctx.app(options);
        const api = await ctx.api();
        const attachments = await api.get<AddonAttachmentJson[]>(apiPath`/apps/${app}/addon-attachments`);
        const addons = (await api.get<AddonJson[]>(apiPath`/apps/${app}/addons`)).filter((a) => a.addon_service.name === service && (!ref || a.name === ref || attachments.some((t) => t.addon.id === a.id && t.name === ref)));
        if (addons.length === 0) throw new CliError(`${app} has no ${service} add-on${ref ? ` ${ref}` : ''} (${ctx.command} addons:create ${service} adds one; the default attachment is ${stem}).`);
        const infos = await Promise.all(addons.map((a) => api.get<AddonInfoJson>(apiPath`/addons/${a.name}/info`)));
        if (options.json) return ctx.printJson(infos);
        for (const info of infos) ctx.print(...addonInfoLines(info, attachments.filter((t) => t.addon.id === info.addon.id).map((t) => `${t.name}_URL`)), '');
      },
    );
  }
}
