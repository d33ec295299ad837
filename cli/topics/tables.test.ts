// The smaller topics' tables: apps, builds, domains, hosts, users, tokens.
import { describe, expect, it } from 'vitest';
import type { AppJson, BuildJson, HostJson } from '../../common/api-shapes.js';
import { appInfo, appTable } from './apps.js';
import { buildTable } from './builds.js';
import { domainTable } from './domains.js';
import { hostTable } from './hosts.js';
import { tokenTable } from './tokens.js';
import { userTable } from './users.js';
import { appJsonFixture } from '../testing/app-json.js';

const app = (name: string): AppJson => appJsonFixture(name);

describe('tables', () => {
  it('apps, sorted by name', () => {
    expect(appTable([app('zeta'), app('alpha')])).toEqual([
      'NAME   OWNER            WEB URL',
      '-----  ---------------  -----------------------',
      'alpha  ann@example.com  http://alpha.localhost/',
      'zeta   ann@example.com  http://zeta.localhost/',
    ]);
  });

  it('one app with its running dynos', () => {
    const formation = [
      { app: { id: 'a', name: 'hello' }, type: 'web', quantity: 2, size: 'basic' as const, command: 'npm start' },
      { app: { id: 'a', name: 'hello' }, type: 'worker', quantity: 0, size: 'basic' as const, command: 'node w.js' },
    ];
    expect(appInfo(app('hello'), formation)).toEqual([
      '=== hello',
      'Owner:   ann@example.com',
      'Stack:   bookworm',
      'Git URL: http://127.0.0.1:5780/hello.git',
      'Web URL: http://hello.localhost/',
      'Dynos:   web: 2 (basic)',
      'Created: 2026-11-24 22:00:00 UTC',
      'Updated: 2026-11-24 22:30:00 UTC',
    ]);
  });

  it('builds, newest first', () => {
    const build = (id: string, at: string, fields: Partial<BuildJson>): BuildJson => ({
      id,
      app: { id: 'a', name: 'hello' },
      status: 'succeeded',
      source_blob: { version: '0123456789abcdef0123' },
      buildpacks: [{ name: 'nodejs' }],
      release: { version: 1 },
      failure: null,
      stack: 'bookworm',
      created_at: at,
      updated_at: at,
      ...fields,
    });
    const lines = buildTable([
      build('b1', '2026-11-24T22:00:00.000Z', {}),
      build('b2', '2026-11-24T22:05:00.000Z', { status: 'failed', release: null, buildpacks: [], failure: 'npm install failed' }),
    ]);
    expect(lines[0]).toBe('ID  STATUS     COMMIT        BUILDPACK  RELEASE  CREATED                  FAILURE');
    expect(lines[2]).toBe('b2  failed     0123456789ab                      2026-11-24 22:05:00 UTC  npm install failed');
    expect(lines[3]).toBe('b1  succeeded  0123456789ab  nodejs     v1       2026-11-24 22:00:00 UTC');
  });

  it('domains', () => {
    const app = { id: 'a', name: 'hello' };
    expect(
      domainTable([
        { id: 'd1', hostname: 'hello.localhost', kind: 'heroku', cname: null, status: 'none', app, sni_endpoint: null, acm_status: null, acm_status_reason: null, updated_at: null },
        { id: 'd2', hostname: 'shop.example.com', kind: 'custom', cname: 'hello.localhost', status: 'none', app, sni_endpoint: { id: 'c1', name: 'c1' }, acm_status: null, acm_status_reason: null, updated_at: null },
      ]),
    ).toEqual([
      'HOSTNAME          KIND     DNS TARGET       CERTIFICATE',
      '----------------  -------  ---------------  -----------',
      'hello.localhost   default',
      'shop.example.com  custom   hello.localhost  c1',
    ]);
  });

  it('hosts with capacity and instances, right-aligned numbers', () => {
    const host = (id: string, fields: Partial<HostJson>): HostJson => ({
      id,
      provider: 'local',
      state: 'up',
      address: '127.0.0.1',
      capacity: { memory_mb: 7962, cpus: 2 },
      instances: 3,
      last_heartbeat: '2026-11-24T22:00:01.000Z',
      created_at: '2026-11-24T21:00:00.000Z',
      ...fields,
    });
    expect(hostTable([host('local-2', { created_at: '2026-11-24T21:30:00.000Z', state: 'draining', instances: 0, capacity: { memory_mb: 512, cpus: 0.5 } }), host('local-1', {})])).toEqual([
      'ID       PROVIDER  STATE      MEMORY  CPUS  INSTANCES  LAST HEARTBEAT',
      '-------  --------  --------  -------  ----  ---------  -----------------------',
      'local-1  local     up        7962 MB     2          3  2026-11-24 22:00:01 UTC',
      'local-2  local     draining   512 MB   0.5          0  2026-11-24 22:00:01 UTC',
    ]);
  });

  it('users and tokens, never token secrets', () => {
    expect(userTable([{ id: 'u1', email: 'ann@example.com', admin: true, created_at: '2026-11-24T22:00:00.000Z', disabled_at: null }])[2]).toBe(
      'ann@example.com  yes       active  u1  2026-11-24 22:00:00 UTC',
    );
    expect(tokenTable([{ id: 't1', description: 'ci', created_at: '2026-11-24T22:00:00.000Z' }])).toEqual([
      'ID  DESCRIPTION  CREATED',
      '--  -----------  -----------------------',
      't1  ci           2026-11-24 22:00:00 UTC',
    ]);
  });
});
