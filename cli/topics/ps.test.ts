import { describe, expect, it } from 'vitest';
import type { DynoJson, FormationJson } from '../../common/api-shapes.js';
import { dynoTable, formationSummary, formationTable } from './ps.js';

const dyno = (name: string, fields: Partial<DynoJson> = {}): DynoJson => ({
  id: `id-${name}`,
  name,
  type: name.split('.')[0]!,
  state: 'up',
  app: { id: 'a', name: 'hello' },
  release: { version: 3 },
  host: { id: 'local-1' },
  port: 31000,
  exit_code: null,
  reason: null,
  restarts: 0,
  command: 'npm start',
  size: 'basic',
  created_at: '2026-11-24T22:00:00.000Z',
  updated_at: '2026-11-24T22:00:00.000Z',
  ...fields,
});

const formation = (type: string, quantity: number, size: FormationJson['size']): FormationJson => ({
  app: { id: 'a', name: 'hello' },
  type,
  quantity,
  size,
  command: `run ${type}`,
});

describe('dynoTable', () => {
  it('lists dynos by type and number (web.2 before web.10) with name, state, release, host, port and reason', () => {
    expect(
      dynoTable([
        dyno('worker.1', { state: 'crashed', port: null, reason: 'exited with code 1', release: { version: 2 } }),
        dyno('web.10', { port: 31010 }),
        dyno('web.2', { state: 'starting', port: 31002 }),
      ]),
    ).toEqual([
      'NAME      STATE     RELEASE  HOST      PORT  REASON',
      '--------  --------  -------  -------  -----  ------------------',
      'web.2     starting  v3       local-1  31002',
      'web.10    up        v3       local-1  31010',
      'worker.1  crashed   v2       local-1         exited with code 1',
    ]);
  });
});

describe('formation', () => {
  const entries = [formation('worker', 1, 'basic'), formation('web', 2, 'standard')];
  it('summarises quantity:size per type', () => {
    expect(formationSummary(entries)).toBe('web at 2:standard, worker at 1:basic');
  });
  it('tables type, quantity, size and command', () => {
    expect(formationTable(entries)).toEqual([
      'TYPE    QUANTITY  SIZE      COMMAND',
      '------  --------  --------  ----------',
      'web            2  standard  run web',
      'worker         1  basic     run worker',
    ]);
  });
});
