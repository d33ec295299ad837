// Heroku's teams in Redis: the record, its name, and its members with their roles (kept on
// both sides: the team's hash of members, each user's set of teams).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError, InvalidParamsError } from '../../common/errors.js';
import type { Team, User } from '../../common/types.js';
import { isTeamRole, type TeamRole } from '../apps/roles.js';
import { keys } from './keys.js';
import { getJson, getManyJson, now } from './json.js';

/** KEYS: members hash, user's teams set; ARGV: user id, team id, role ('' leaves). Refuses (0)
 *  a change that would leave the team without an admin; 1 when done. Atomic, so two admins
 *  demoting each other at once cannot both succeed. */
const SET_MEMBER_ROLE = `
local members = redis.call('HGETALL', KEYS[1])
local admins = 0
for i = 1, #members, 2 do
  if members[i + 1] == 'admin' and members[i] ~= ARGV[1] then admins = admins + 1 end
end
if ARGV[3] ~= 'admin' and admins == 0 and #members > 0 then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[2])
end
return 1`;

export class TeamStore {
  constructor(private readonly redis: Redis) {}

  /** A new team with `creator` as its first admin; 409 when the name is taken. */
  async create(name: string, creator: User): Promise<Team> {
    const team: Team = { id: randomUUID(), name, createdAt: now(), updatedAt: now() };
    const claimed = await this.redis.set(keys.teamByName(name), team.id, 'NX');
    if (claimed !== 'OK') throw new ConflictError(`A team named ${name} already exists.`);
    await this.redis
      .multi()
      .set(keys.team(team.id), JSON.stringify(team))
      .sadd(keys.teams, team.id)
      .hset(keys.teamMembers(team.id), creator.id, 'admin')
      .sadd(keys.userTeams(creator.id), team.id)
      .exec();
    return team;
  }

  get(id: string): Promise<Team | null> {
    return getJson<Team>(this.redis, keys.team(id));
  }

  /** A team by name or id (Heroku's `team_name_or_id`). */
  async find(nameOrId: string): Promise<Team | null> {
    const id = await this.redis.get(keys.teamByName(nameOrId));
    return this.get(id ?? nameOrId);
  }

  async ofUser(userId: string): Promise<Team[]> {
    const ids = await this.redis.smembers(keys.userTeams(userId));
    return (await getManyJson<Team>(this.redis, ids.map(keys.team))).sort((a, b) => a.name.localeCompare(b.name));
  }

  async list(): Promise<Team[]> {
    const ids = await this.redis.smembers(keys.teams);
    return (await getManyJson<Team>(this.redis, ids.map(keys.team))).sort((a, b) => a.name.localeCompare(b.name));
  }

  async roleOf(teamId: string, userId: string): Promise<TeamRole | null> {
    const role = await this.redis.hget(keys.teamMembers(teamId), userId);
    return role !== null && isTeamRole(role) ? role : null;
  }

  /** user id → role */
  async members(teamId: string): Promise<Record<string, TeamRole>> {
    const all = await this.redis.hgetall(keys.teamMembers(teamId));
    return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, TeamRole] => isTeamRole(entry[1])));
  }

  /** Adds the user or changes their role (null: removes them); a team always keeps an admin. */
  async setRole(teamId: string, userId: string, role: TeamRole | null): Promise<void> {
    const done = await this.redis.eval(SET_MEMBER_ROLE, 2, keys.teamMembers(teamId), keys.userTeams(userId), userId, teamId, role ?? '');
    if (done === 0) throw new InvalidParamsError('A team needs at least one admin: make another member an admin first.');
  }

  /** Removes the team; its apps are gone or moved already (the handler checks). */
  async delete(team: Team): Promise<void> {
    const memberIds = Object.keys(await this.members(team.id));
    const multi = this.redis.multi().del(keys.team(team.id), keys.teamMembers(team.id)).srem(keys.teams, team.id);
    for (const userId of memberIds) multi.srem(keys.userTeams(userId), team.id);
    await multi.exec();
    if ((await this.redis.get(keys.teamByName(team.name))) === team.id) await this.redis.del(keys.teamByName(team.name));
  }
}
