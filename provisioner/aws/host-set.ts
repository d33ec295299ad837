// The engine hosts the hosts stack should run, as data: each host's subnet (its zone) and
// its token. Pure functions decide additions, removals and placement; the provider stores the
// result in the hosts stack's config (tokens as Pulumi secrets) and runs `up`.
import { z } from 'zod';
import type { HostCredentials } from '../provider.js';

export interface HostSet {
  /** host id → the private subnet (one per zone) it runs in */
  placements: Record<string, string>;
  /** host id → token (secret) */
  tokens: Record<string, string>;
}

export class HostSetError extends Error {
  override name = 'HostSetError';
}

export const HOST_ID = /^[A-Za-z0-9_-]{1,64}$/;

const placementsSchema = z.record(z.string().regex(HOST_ID), z.string().regex(/^subnet-[0-9a-f]+$/));
const tokensSchema = z.record(z.string().regex(HOST_ID), z.string().min(1));

function parseJson<S extends z.ZodType>(schema: S, what: string, text: string | undefined): z.infer<S> {
  if (text === undefined || text === '') return schema.parse({});
  try {
    return schema.parse(JSON.parse(text));
  } catch (err) {
    // The message names the setting, never its content (the tokens are secrets).
    throw new HostSetError(`the hosts stack's ${what} setting is not valid`, { cause: what === 'tokens' ? undefined : err });
  }
}

export function parsePlacements(json: string | undefined): Record<string, string> {
  return parseJson(placementsSchema, 'placements', json);
}

export function parseTokens(json: string | undefined): Record<string, string> {
  return parseJson(tokensSchema, 'tokens', json);
}

export function parseHostSet(placementsJson: string | undefined, tokensJson: string | undefined): HostSet {
  const set = { placements: parsePlacements(placementsJson), tokens: parseTokens(tokensJson) };
  checkConsistent(set);
  return set;
}

export function checkConsistent(set: HostSet): void {
  const placed = Object.keys(set.placements).sort();
  const tokened = Object.keys(set.tokens).sort();
  if (placed.join(',') !== tokened.join(',')) {
    throw new HostSetError(`hosts with a placement and hosts with a token differ: [${placed.join(', ')}] vs [${tokened.join(', ')}]`);
  }
}

/**
 * Picks a subnet for each new host: the one with the fewest hosts so far (earlier subnets win
 * ties), so hosts spread evenly over zones and existing hosts never move.
 */
export function placeHosts(current: Readonly<Record<string, string>>, newHostIds: readonly string[], subnetIds: readonly string[]): Record<string, string> {
  if (subnetIds.length === 0) throw new HostSetError('no subnets to place hosts in');
  const load = new Map(subnetIds.map((subnet) => [subnet, 0]));
  for (const subnet of Object.values(current)) if (load.has(subnet)) load.set(subnet, load.get(subnet)! + 1);
  const placed: Record<string, string> = {};
  for (const hostId of newHostIds) {
    let best = subnetIds[0]!;
    for (const subnet of subnetIds) if (load.get(subnet)! < load.get(best)!) best = subnet;
    placed[hostId] = best;
    load.set(best, load.get(best)! + 1);
  }
  return placed;
}

export function withHostsAdded(set: HostSet, credentials: readonly HostCredentials[], subnetIds: readonly string[]): HostSet {
  const ids = credentials.map((c) => c.hostId);
  for (const id of ids) {
    if (!HOST_ID.test(id)) throw new HostSetError(`bad host id: ${id}`);
    if (id in set.placements) throw new HostSetError(`host ${id} already exists`);
  }
  if (new Set(ids).size !== ids.length) throw new HostSetError('the same host id was given twice');
  const placements = { ...set.placements, ...placeHosts(set.placements, ids, subnetIds) };
  const tokens = { ...set.tokens, ...Object.fromEntries(credentials.map((c) => [c.hostId, c.token])) };
  return { placements, tokens };
}

export function withoutHost(set: HostSet, hostId: string): HostSet {
  const { [hostId]: _placement, ...placements } = set.placements;
  const { [hostId]: _token, ...tokens } = set.tokens;
  return { placements, tokens };
}
