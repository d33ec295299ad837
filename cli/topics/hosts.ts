// hosts, hosts:add, hosts:remove (operators only; the API answers 403 to everyone else)
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { HostJson } from '../../common/api-shapes.js';
import { parsePositiveInteger } from '../args.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable, formatTime } from '../format.js';

export function hostTable(hosts: readonly HostJson[]): string[] {
  return formatTable(
    [...hosts].sort((a, b) => a.created_at.localeCompare(b.created_at)),
    [
      { header: 'ID', value: (h) => h.id },
      { header: 'PROVIDER', value: (h) => h.provider },
      { header: 'STATE', value: (h) => h.state },
      { header: 'MEMORY', value: (h) => `${h.capacity.memory_mb} MB`, align: 'right' },
      { header: 'CPUS', value: (h) => String(h.capacity.cpus), align: 'right' },
      { header: 'INSTANCES', value: (h) => String(h.instances), align: 'right' },
      { header: 'LAST HEARTBEAT', value: (h) => formatTime(h.last_heartbeat) },
    ],
  );
}

export function registerHostCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('hosts').description('list the hosts dynos run on (operators)')).action(async (options: JsonOption) => {
    const hosts = await (await ctx.api()).get<HostJson[]>('/hosts');
    if (options.json) ctx.printJson(hosts);
    else if (hosts.length === 0) ctx.print('No hosts.');
    else ctx.print(...hostTable(hosts));
  });

  jsonOption(program.command('hosts:add').description('add hosts from the configured provider (operators)').argument('[count]', 'how many', '1')).action(
    async (count: string, options: JsonOption) => {
      const api = await ctx.api();
      const added = await ctx.step('Provisioning hosts', () => api.post<HostJson[]>('/hosts', { count: parsePositiveInteger('host count', count) }));
      if (options.json) ctx.printJson(added);
      else ctx.print(`Added ${added.length} host${added.length === 1 ? '' : 's'}: ${added.map((h) => h.id).join(', ')}`);
    },
  );

  jsonOption(
    program
      .command('hosts:remove')
      .description('drain a host, then remove it (operators); refused while it holds add-ons')
      .argument('<id>')
      .option('--force', 'drain even a host holding add-ons (they become unavailable: their data stays on it)'),
  ).action(
    async (id: string, options: JsonOption & { force?: boolean }) => {
      const api = await ctx.api();
      const path = options.force ? `${apiPath`/hosts/${id}`}?force=true` : apiPath`/hosts/${id}`;
      const host = await ctx.step(`Draining and removing ${id}`, () => api.delete<HostJson>(path));
      if (options.json) ctx.printJson(host);
      else ctx.print(`Host ${host.id}: draining, then removing`);
    },
  );
}
