// teams, teams:create, teams:destroy, members, members:add, members:set, members:remove
import type { Command } from 'commander';
import { apiPath } from '../api-client.js';
import type { TeamJson, TeamMemberJson } from '../../common/api-shapes.js';
import { jsonOption, type CommandContext, type JsonOption } from '../context.js';
import { formatTable } from '../format.js';

const ROLES = 'admin, member or viewer';

function teamOption(command: Command): Command {
  return command.requiredOption('-t, --team <team>', 'the team');
}

export function registerTeamCommands(program: Command, ctx: CommandContext): void {
  jsonOption(program.command('teams').description('list the teams you are in, with your role')).action(async (options: JsonOption) => {
    const teams = await (await ctx.api()).get<TeamJson[]>('/teams');
    if (options.json) return ctx.printJson(teams);
    if (teams.length === 0) return ctx.print(`You are in no teams (${ctx.command} teams:create <name> makes one).`);
    ctx.print(...formatTable(teams, [{ header: 'TEAM', value: (t) => t.name }, { header: 'ROLE', value: (t) => t.role ?? '' }]));
  });

  jsonOption(program.command('teams:create').description('create a team, with you as its admin').argument('<name>')).action(async (name: string, options: JsonOption) => {
    const api = await ctx.api();
    const team = await ctx.step(`Creating team ${name}`, () => api.post<TeamJson>('/teams', { name }));
    if (options.json) ctx.printJson(team);
    else ctx.print(`Created team ${team.name}: add members with ${ctx.command} members:add <email> --role member -t ${team.name}`);
  });

  program
    .command('teams:destroy')
    .description('delete a team that owns no apps')
    .argument('<name>')
    .action(async (name: string) => {
      const api = await ctx.api();
      await ctx.step(`Deleting team ${name}`, () => api.delete(apiPath`/teams/${name}`));
      ctx.print(`Deleted team ${name}`);
    });

  jsonOption(teamOption(program.command('members').description("list a team's members and their roles")).option('-r, --role <role>', `only this role (${ROLES})`)).action(
    async (options: JsonOption & { team: string; role?: string }) => {
      const members = (await (await ctx.api()).get<TeamMemberJson[]>(apiPath`/teams/${options.team}/members`)).filter((m) => !options.role || m.role === options.role);
      if (options.json) return ctx.printJson(members);
      if (members.length === 0) return ctx.print(`No members in ${options.team}${options.role ? ` with role ${options.role}` : ''}`);
      ctx.print(...formatTable(members, [{ header: 'EMAIL', value: (m) => m.email }, { header: 'ROLE', value: (m) => m.role }]));
    },
  );

  for (const [name, method, description] of [
    ['members:add', 'PUT', 'add a user to a team with a role'],
    ['members:set', 'PATCH', "change a member's role"],
  ] as const) {
    teamOption(program.command(name).description(description).argument('<email>').requiredOption('-r, --role <role>', ROLES)).action(
      async (email: string, options: { team: string; role: string }) => {
        const api = await ctx.api();
        const path = apiPath`/teams/${options.team}/members`;
        const body = { email, role: options.role };
        await ctx.step(`Making ${email} ${options.role} of ${options.team}`, () => (method === 'PUT' ? api.put(path, body) : api.patch(path, body)));
        ctx.print(`${email} is ${options.role === 'admin' ? 'an' : 'a'} ${options.role} of ${options.team}`);
      },
    );
  }

  teamOption(program.command('members:remove').description('remove a member from a team (or leave it yourself)').argument('<email>')).action(
    async (email: string, options: { team: string }) => {
      const api = await ctx.api();
      await ctx.step(`Removing ${email} from ${options.team}`, () => api.delete(apiPath`/teams/${options.team}/members/${email}`));
      ctx.print(`${email} is no longer a member of ${options.team}`);
    },
  );
}
