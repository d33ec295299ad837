import { describe, expect, it } from 'vitest';
import { RESTORE_SQL, REVOKE_SQL, writeAccessExec, writeAccessFailure } from './addon-storage-spec.js';

const request = { addonId: 'a1', database: 'dabc', revoke: true, plan: 'postgresql:tiny', limitMb: 10, restoreBelowMb: 9 };

describe('writeAccessExec', () => {
  it('signs in as the platform’s superuser over the socket, the SQL and the plan’s words in the environment only', () => {
    const { argv, env } = writeAccessExec(request);
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv[2]).toContain('user=slipway_admin');
    expect(argv[2]).toContain('host=/tmp');
    expect(argv[2]).toContain(' -w '); // never waits for a password prompt
    expect(argv.join(' ')).not.toContain('postgresql:tiny');
    expect(env).toEqual({ ADDON_STORAGE_SQL: REVOKE_SQL, ADDON_STORAGE_DATABASE: 'dabc', ADDON_PLAN: 'postgresql:tiny', ADDON_LIMIT_MB: '10', ADDON_RESTORE_MB: '9' });
    expect(writeAccessExec({ ...request, revoke: false }).env.ADDON_STORAGE_SQL).toBe(RESTORE_SQL);
  });

  it('revokes in one transaction, undone entirely by the restore', () => {
    for (const sql of [REVOKE_SQL, RESTORE_SQL]) expect(sql.trim()).toMatch(/BEGIN;[\s\S]*COMMIT;$/);
    expect(REVOKE_SQL).toContain('CREATE EVENT TRIGGER slipway_storage_limit ON ddl_command_start');
    expect(REVOKE_SQL).toContain('BEFORE INSERT OR UPDATE ON %s FOR EACH STATEMENT');
    expect(RESTORE_SQL).toContain('DROP EVENT TRIGGER IF EXISTS slipway_storage_limit');
    expect(RESTORE_SQL).toContain('DROP SCHEMA IF EXISTS slipway_storage CASCADE');
  });
});

describe('writeAccessFailure', () => {
  it('says when a server predates the platform’s own superuser', () => {
    expect(writeAccessFailure(2, 'psql: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  role "slipway_admin" does not exist\n')).toEqual({ ok: false, unenforceable: true, error: expect.stringMatching(/its storage limit cannot be enforced/) });
    // what such a server answers, tried against one made by the previous start script
    expect(writeAccessFailure(2, 'psql: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: fe_sendauth: no password supplied\n')).toMatchObject({ unenforceable: true });
    expect(writeAccessFailure(3, 'ERROR:  canceling statement due to lock timeout\n')).toEqual({ ok: false, error: 'psql exited with 3: ERROR:  canceling statement due to lock timeout' });
  });
});
