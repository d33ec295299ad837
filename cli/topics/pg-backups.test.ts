import { describe, expect, it } from 'vitest';
import type { AddonAttachmentJson, AddonBackupJson } from '../../common/api-shapes.js';
import { backupInfoLines, backupStatus, backupTable, chooseDatabase, scheduleLines } from './pg-backups.js';

const at = '2026-12-05T02:00:12.345Z';
const backup = (id: string, overrides: Partial<AddonBackupJson> = {}): AddonBackupJson => ({
  id,
  addon: { id: 'a1', name: 'postgresql-quiet-12345' },
  status: 'succeeded',
  error: null,
  size_bytes: 7_700_000,
  trigger: 'manual',
  created_at: at,
  started_at: at,
  finished_at: '2026-12-05T02:00:15.000Z',
  ...overrides,
});
const attachment = (name: string, addon: string): AddonAttachmentJson => ({
  id: `att-${name}`,
  name,
  addon: { id: `id-${addon}`, name: addon, app: { id: 'app-shop', name: 'shop' } },
  app: { id: 'app-shop', name: 'shop' },
  namespace: null,
  web_url: null,
  log_input_url: null,
  created_at: at,
  updated_at: at,
});

describe('pg:backups output', () => {
  it('lists backups newest first, as Heroku lays them out', () => {
    expect(backupTable([{ ...backup('b001'), as: 'DATABASE' }, { ...backup('b002', { status: 'failed', size_bytes: null, error: 'the object store: connect ECONNREFUSED' }), as: 'DATABASE' }])).toEqual([
      '=== Backups',
      'ID    Created at                 Status                                  Size  Database',
      '----  -------------------------  -----------------------------------  -------  --------',
      'b002  2026-12-05 02:00:12 +0000  Failed 2026-12-05 02:00:15 +0000              DATABASE',
      'b001  2026-12-05 02:00:12 +0000  Completed 2026-12-05 02:00:15 +0000  7.34 MB  DATABASE',
    ]);
    expect(backupTable([])[1]).toMatch(/No backups/);
  });

  it('shows one backup, its error in words when it failed', () => {
    const lines = backupInfoLines(backup('b003', { status: 'failed', error: 'pg_dump exited with 1: connection refused', trigger: 'scheduled' }), 'DATABASE');
    expect(lines[0]).toBe('=== Backup b003');
    expect(lines.join('\n')).toMatch(/Database:\s+DATABASE \(postgresql-quiet-12345\)/);
    expect(lines.join('\n')).toMatch(/Type:\s+Scheduled/);
    expect(lines.at(-1)).toMatch(/Error:\s+pg_dump exited with 1: connection refused/);
    expect(backupStatus(backup('b004', { status: 'running' }))).toBe('Running');
    expect(backupStatus(backup('b004', { status: 'pending' }))).toBe('Pending');
  });

  it('names schedules, or says there are none', () => {
    expect(scheduleLines('shop', [])).toEqual([`No backup schedules on shop. Add one with pg:backups:schedule --at '02:00 UTC'.`]);
    expect(scheduleLines('shop', [{ addon: { id: 'a1', name: 'postgresql-quiet-12345' }, at: '02:00 UTC', retain: 2, next_run_at: '2026-12-06T02:00:00.000Z', created_at: at }])).toEqual([
      '=== Backup Schedules',
      'postgresql-quiet-12345: daily at 02:00 UTC (keeps 2; next 2026-12-06 02:00:00 +0000)',
    ]);
  });
});

describe('which database a pg:backups command is about', () => {
  const attachments = [attachment('DATABASE', 'postgresql-quiet-12345'), attachment('HEROKU_POSTGRESQL_AMBER', 'postgresql-deep-54321')];
  it('is DATABASE by default, else the one named by attachment (with or without _URL) or add-on name', () => {
    expect(chooseDatabase(attachments, undefined)).toEqual({ addon: 'postgresql-quiet-12345', as: 'DATABASE' });
    expect(chooseDatabase(attachments, 'HEROKU_POSTGRESQL_AMBER_URL')).toEqual({ addon: 'postgresql-deep-54321', as: 'HEROKU_POSTGRESQL_AMBER' });
    expect(chooseDatabase(attachments, 'heroku_postgresql_amber')).toEqual({ addon: 'postgresql-deep-54321', as: 'HEROKU_POSTGRESQL_AMBER' });
    expect(chooseDatabase(attachments, 'postgresql-deep-54321')).toEqual({ addon: 'postgresql-deep-54321', as: 'HEROKU_POSTGRESQL_AMBER' });
    expect(() => chooseDatabase(attachments, 'OTHER')).toThrow(/No database OTHER/);
    expect(() => chooseDatabase([], undefined)).toThrow(/no DATABASE/);
  });

  it('is a Redis add-on when named (Heroku has no Redis backups command; the API backs Redis up too)', () => {
    const withRedis = [...attachments, attachment('REDIS', 'redis-shiny-11111')];
    expect(chooseDatabase(withRedis, 'REDIS')).toEqual({ addon: 'redis-shiny-11111', as: 'REDIS' });
    expect(chooseDatabase(withRedis, 'redis-shiny-11111')).toEqual({ addon: 'redis-shiny-11111', as: 'REDIS' });
    expect(chooseDatabase(withRedis, undefined)).toEqual({ addon: 'postgresql-quiet-12345', as: 'DATABASE' });
  });
});
