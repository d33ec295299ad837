// Addons.move's steps and their undoing, with the I/O behind its interfaces recorded in memory:
// the order of the steps, the record switched only after a restore, the half-made server removed
// and the add-on left where it was when a step before the switch fails. (The real thing, over
// NATS, Docker and S3: addon-move.test.ts.)
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { RunAddonRequest } from '../../common/protocol.js';
import type { App, Host } from '../../common/types.js';
import type { BackupRecord } from '../backups/store.js';
import type { AddonAttachmentRecord, AddonRecord, AddonStore } from '../store/addons.js';
import type { HostStore } from '../store/hosts.js';
import { drainRefusal } from '../hosts/addon-holdings.js';
import { Addons, type MoveBackups } from './service.js';

const host = (id: string, state: Host['state'] = 'up'): Host => ({ id, provider: 'local', state, address: `addr-${id}`, capacity: { memoryMb: 4096, cpus: 2 }, lastHeartbeat: null, createdAt: '2026-12-05T00:00:00Z' });
const app = { id: 'app-1', name: 'shop' } as App;
const other = { id: 'app-2', name: 'reports' } as App;

function setup(options: { backup?: 'succeeded' | 'failed'; run?: 'ok' | 'fails' | 'throws'; restore?: 'ok' | 'fails' } = {}) {
  const calls: string[] = [];
  let saved: AddonRecord | null = null;
  const addon: AddonRecord = {
    id: 'a1',
    name: 'postgresql-amber-12345',
    service: 'postgresql',
    plan: 'postgresql:mini',
    appId: app.id,
    hostId: 'h1',
    address: 'addr-h1',
    port: 40001,
    image: { repository: 'r/pg', digest: 'sha256:1' },
    credentials: { user: 'u1', password: 'secret-pw', database: 'd1' },
    state: 'provisioned',
    createdAt: '2026-12-05T00:00:00Z',
    updatedAt: '2026-12-05T00:00:00Z',
  };
  const attachments: AddonAttachmentRecord[] = [
    { id: 't1', addonId: 'a1', appId: app.id, name: 'DATABASE', createdAt: '1' },
    { id: 't2', addonId: 'a1', appId: other.id, name: 'HEROKU_POSTGRESQL_AMBER', createdAt: '2' },
  ];
  const store = {
    save: async (record: AddonRecord) => void (calls.push(`save ${record.hostId}`), (saved = record)),
    get: async () => saved ?? addon,
    attachmentsOf: async () => attachments,
    claimMove: async () => 'claim',
    releaseMove: async () => {},
  } as unknown as AddonStore;
  const hosts = { list: async () => [host('h1'), host('h2'), host('h3', 'down')] } as unknown as HostStore;
  const runRequests: RunAddonRequest[] = [];
  const addons = new Addons({
    store,
    hosts,
    agents: {
      runAddon: async (hostId, request) => {
        calls.push(`run ${hostId}`);
        runRequests.push(request);
        if (options.run === 'throws') throw new Error('no agent answered for host h2');
        return options.run === 'fails' ? { ok: false, error: 'the image could not be pulled' } : { ok: true, port: 40002 };
      },
      removeAddon: async (hostId) => (calls.push(`remove ${hostId}`), { ok: true }),
      rotateAddonPassword: async () => ({ ok: true }),
      addonInfo: async () => ({ ok: false }),
    },
    releaser: { changeConfig: async (target, changes, description) => (calls.push(`release ${target.name} ${Object.keys(changes).join(',')} "${description}"`), {} as never) },
    image: null,
    logger: silentLogger(),
  });
  const record = (status: BackupRecord['status']): BackupRecord => ({ id: 'b001', addonId: 'a1', addonName: addon.name, status, error: status === 'failed' ? 'pg_dump exited with 1' : null, bytes: null, objectKey: 'k', salt: 's', trigger: 'manual', createdAt: '', startedAt: null, finishedAt: null });
  const backups: MoveBackups = {
    capture: async (target) => (calls.push(`capture ${target.hostId}`), record('pending')),
    finished: () => Promise.resolve(record(options.backup ?? 'succeeded')),
    restore: async (target, id) => {
      calls.push(`restore ${id} ${target.hostId}`);
      if (options.restore === 'fails') throw new Error('pg_restore exited with 1: out of disk');
      return record('succeeded');
    },
  } as MoveBackups;
  const appsById = async (id: string) => [app, other].find((a) => a.id === id) ?? null;
  return { addons, addon, backups, appsById, calls, runRequests, saved: () => saved };
}

describe('Addons.move', () => {
  it('captures, provisions with the same credentials, restores, switches, publishes the URL to every attachment, then retires the old server', async () => {
    const { addons, addon, backups, appsById, calls, runRequests, saved } = setup();
    const moved = await addons.move(addon, undefined, backups, appsById);
    expect(moved).toMatchObject({ hostId: 'h2', address: 'addr-h2', port: 40002, credentials: addon.credentials, name: addon.name });
    expect(saved()).toEqual(moved);
    expect(runRequests[0]).toMatchObject({ addonId: 'a1', service: 'postgresql', image: addon.image, env: { ADDON_USER: 'u1', ADDON_PASSWORD: 'secret-pw', ADDON_DATABASE: 'd1' } });
    expect(runRequests[0]!.port).toBeUndefined(); // a new port on the target
    expect(calls).toEqual([
      'capture h1',
      'run h2',
      'restore b001 h2',
      'save h2',
      'release shop DATABASE_URL "Move DATABASE to host h2 (@ref:postgresql-amber-12345)"',
      'release reports HEROKU_POSTGRESQL_AMBER_URL "Move HEROKU_POSTGRESQL_AMBER to host h2 (@ref:postgresql-amber-12345)"',
      'remove h1',
    ]);
    // its old host holds it no more: draining h1 is not refused for it (the records say h2)
    expect(drainRefusal('h1', [moved], false)).toBeNull();
    expect(drainRefusal('h2', [moved], false)?.status).toBe(409);
  });

  it('refuses a down host before doing anything', async () => {
    const { addons, addon, backups, appsById, calls } = setup();
    await expect(addons.move(addon, 'h3', backups, appsById)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('h3 is down') });
    expect(calls).toEqual([]);
  });

  it('a failed capture: nothing made, nothing switched, the step named', async () => {
    const { addons, addon, backups, appsById, calls } = setup({ backup: 'failed' });
    await expect(addons.move(addon, 'h2', backups, appsById)).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/capturing a backup on h1 failed \(pg_dump exited with 1\)\. It is still serving on h1/) });
    expect(calls).toEqual(['capture h1']);
  });

  for (const [name, options, words, expected] of [
    ['the target’s agent does not answer', { run: 'throws' }, 'provisioning the new server on h2 failed (no agent answered for host h2)', ['capture h1', 'run h2', 'remove h2']],
    ['the target’s agent fails', { run: 'fails' }, 'provisioning the new server on h2 failed (the image could not be pulled)', ['capture h1', 'run h2', 'remove h2']],
    ['the restore fails', { restore: 'fails' }, 'restoring the backup into the new server on h2 failed (pg_restore exited with 1: out of disk)', ['capture h1', 'run h2', 'restore b001 h2', 'remove h2']],
  ] as const) {
    it(`${name}: the half-made server is removed, the add-on stays on its host, the step named`, async () => {
      const { addons, addon, backups, appsById, calls, saved } = setup(options);
      const err = await addons.move(addon, 'h2', backups, appsById).then(() => null, (e: unknown) => e as Error & { status: number });
      expect(err?.status).toBe(503);
      expect(err?.message).toContain(words);
      expect(err?.message).toContain('It is still serving on h1');
      expect(err?.message).not.toContain('secret-pw');
      expect(calls).toEqual(expected);
      expect(saved()).toBeNull();
    });
  }
});
