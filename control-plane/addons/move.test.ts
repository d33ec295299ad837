import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../common/errors.js';
import type { Host } from '../../common/types.js';
import { MOVE_STEPS, moveStepWords, moveTarget } from './move.js';

const host = (id: string, state: Host['state'], memoryMb: number): Host => ({
  id,
  provider: 'local',
  state,
  address: `10.0.0.${id.length}`,
  capacity: { memoryMb, cpus: 2 },
  lastHeartbeat: null,
  createdAt: '2026-12-05T00:00:00Z',
});
const pg = { name: 'postgresql-amber-12345', service: 'postgresql', hostId: 'old', port: 5432 };
const hosts = [host('old', 'up', 8192), host('big', 'up', 4096), host('small', 'up', 1024), host('gone', 'down', 16384), host('leaving', 'draining', 16384)];
const refusal = (result: Host | SlipwayError) => {
  if (!(result instanceof SlipwayError)) throw new Error(`expected a refusal, got host ${result.id}`);
  return { status: result.status, message: result.message };
};

describe('addons:move target', () => {
  it('chooses placeAddon’s host among the up hosts other than the add-on’s own', () => {
    expect(moveTarget(pg, hosts)).toMatchObject({ id: 'big' });
    expect(moveTarget({ ...pg, hostId: 'big' }, hosts)).toMatchObject({ id: 'old' });
  });

  it('takes the host asked for when it is up', () => {
    expect(moveTarget(pg, hosts, 'small')).toMatchObject({ id: 'small' });
  });

  it('refuses a host that is down or draining (409), unknown (422), or its own (422)', () => {
    expect(refusal(moveTarget(pg, hosts, 'gone'))).toEqual({ status: 409, message: expect.stringContaining('gone is down') });
    expect(refusal(moveTarget(pg, hosts, 'leaving'))).toEqual({ status: 409, message: expect.stringContaining('leaving is draining') });
    expect(refusal(moveTarget(pg, hosts, 'nowhere'))).toEqual({ status: 422, message: 'There is no host nowhere.' });
    expect(refusal(moveTarget(pg, hosts, 'old'))).toEqual({ status: 422, message: expect.stringContaining('already on old') });
  });

  it('answers 503 when no other host is up', () => {
    expect(refusal(moveTarget(pg, [host('old', 'up', 8192), host('gone', 'down', 9000)]))).toEqual({ status: 503, message: expect.stringContaining('No host other than old') });
  });

  it('moves Redis as PostgreSQL; refuses other services, partner and unprovisioned add-ons', () => {
    expect(moveTarget({ ...pg, name: 'redis-deep-1', service: 'redis' }, hosts)).toMatchObject({ id: 'big' });
    expect(refusal(moveTarget({ ...pg, service: 'mylog' }, hosts))).toEqual({ status: 422, message: expect.stringContaining('only PostgreSQL and Redis add-ons move') });
    expect(refusal(moveTarget({ ...pg, partner: {} }, hosts)).status).toBe(422);
    expect(refusal(moveTarget({ ...pg, port: null }, hosts)).status).toBe(409);
  });

  it('says each step in words, naming its host', () => {
    expect(MOVE_STEPS.map((step) => moveStepWords(step, 'h1', 'h2'))).toEqual([
      'capturing a backup on h1',
      'provisioning the new server on h2',
      'restoring the backup into the new server on h2',
      'switching the add-on’s record and its apps’ config to the new server',
      'removing the old server and its volume on h1',
    ]);
  });
});
