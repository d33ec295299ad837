import type { Context } from 'koa';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';
import type { Team, User } from '../../common/types.js';
import type { Services } from '../services.js';

/** The user a path names (`/users/{email, id or ~}`, `~` the caller, as on Heroku), or a 404. */
export async function namedUser(ctx: Context, services: Services): Promise<User> {
  const ref = ctx.params.user!;
  const user = ref === '~' ? (ctx.state.user as User) : await services.users.find(ref);
  if (!user) throw new NotFoundError(`Couldn't find that user (${ref}).`);
  return user;
}

/** A user's own record, or an operator's look at anyone's; others get a 403. */
export async function visibleUser(ctx: Context, services: Services): Promise<User> {
  const caller = ctx.state.user as User;
  const user = await namedUser(ctx, services);
  if (user.id !== caller.id && !caller.admin) throw new ForbiddenError('Only operators may look at other users.');
  return user;
}

/** The team the path names, to its members and operators; others get a 404, as for a team
 *  that does not exist. */
export async function visibleTeam(ctx: Context, services: Services): Promise<Team> {
  const user = ctx.state.user as User;
  const ref = ctx.params.team!;
  const team = await services.teams.find(ref);
  if (!team || (!user.admin && !(await services.teams.roleOf(team.id, user.id)))) throw new NotFoundError(`Couldn't find that team: ${ref}.`);
  return team;
}
