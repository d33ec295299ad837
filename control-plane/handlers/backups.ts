// Heroku's pg:backups over the platform API, in the add-on's resource space: captures, their
// records, download (decrypted, streamed), delete, restore (confirmed with the owning app's name,
// as Heroku's --confirm), and the daily schedule. Reading needs view on the add-on's app;
// everything else needs change there.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { resolvePlan } from '../../common/addons.js';
import type { AddonBackupJson, AddonBackupScheduleJson } from '../../common/api-shapes.js';
import { SlipwayError } from '../../common/errors.js';
import type { App, User } from '../../common/types.js';
import { formatScheduleAt, nextScheduledRun } from '../backups/plan.js';
import type { BackupRecord, BackupSchedule } from '../backups/store.js';
import { bodyOf, spec } from '../http/api-spec.js';
import { loadApp } from '../http/load-app.js';
import type { Services } from '../services.js';
import type { AddonRecord } from '../store/addons.js';

const restoreBody = z.object({ backup: z.string().regex(/^(b\d{3,}|latest)$/).default('latest'), confirm: z.string().min(1) });
const scheduleBody = z.object({ at: z.string().min(1).max(60) });

export function backupJson(record: BackupRecord): AddonBackupJson {
  return {
    id: record.id,
    addon: { id: record.addonId, name: record.addonName },
    status: record.status,
    error: record.error,
    size_bytes: record.bytes,
    trigger: record.trigger,
    created_at: record.createdAt,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
  };
}

export function backupScheduleJson(schedule: BackupSchedule, addon: AddonRecord, now = new Date()): AddonBackupScheduleJson {
  const resolved = resolvePlan(addon.plan);
  return {
    addon: { id: addon.id, name: addon.name },
    at: formatScheduleAt(schedule),
    retain: 'error' in resolved ? 0 : resolved.plan.backupRetention,
    next_run_at: nextScheduledRun(schedule, new Date(Math.max(now.getTime(), Date.parse(schedule.createdAt)))).toISOString(),
    created_at: schedule.createdAt,
  };
}

export function backupHandlers(services: Services): Router {
  const router = new Router();
  const { addons, backups } = services;

  /** The add-on and its owning app, if the caller may `action` that app. */
  const loadAddon = async (ctx: Context, action: 'view' | 'change'): Promise<{ addon: AddonRecord; owner: App }> => {
    const ref = ctx.params.addon!;
    const addon = await addons.find(ref);
    const owner = await services.apps.get(addon.appId);
    if (!owner || !(await services.access.may(owner, ctx.state.user as User, action))) throw new SlipwayError('not_found', `Couldn't find that add-on: ${ref}.`, { status: 404 });
    return { addon, owner };
  };

  router.get('/addons/:addon/backups', spec({ summary: 'A PostgreSQL or Redis add-on’s backups, oldest first (pg:backups)', response: { shape: 'AddonBackupJson', list: true } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'view');
    ctx.body = (await backups.list(addon)).map(backupJson);
  });
  router.post('/addons/:addon/backups', spec({ summary: 'Starts a backup of a PostgreSQL or Redis add-on (pg:backups:capture); poll it until it has finished', response: { shape: 'AddonBackupJson', status: 202 } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'change');
    ctx.status = 202;
    ctx.body = backupJson(await backups.capture(addon));
  });
  router.get('/addons/:addon/backups/:backup', spec({ summary: 'One backup (b001, or latest: the newest succeeded one)', response: { shape: 'AddonBackupJson' } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'view');
    const id = ctx.params.backup!;
    ctx.body = backupJson(id === 'latest' ? await backups.latest(addon) : await backups.get(addon, id));
  });
  router.get('/addons/:addon/backups/:backup/download', spec({ summary: 'A succeeded backup, decrypted: a pg_dump custom-format archive, or a Redis RDB snapshot (pg:backups:download)', response: { stream: 'binary' } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'change');
    const id = ctx.params.backup!;
    const record = id === 'latest' ? await backups.latest(addon) : await backups.get(addon, id);
    const body = await backups.download(addon, record.id);
    ctx.type = 'application/octet-stream';
    ctx.attachment(`${addon.name}-${record.id}.${addon.service === 'redis' ? 'rdb' : 'dump'}`);
    ctx.body = body;
  });
  router.delete('/addons/:addon/backups/:backup', spec({ summary: 'Deletes a backup: its object in the store and its record (pg:backups:delete)', response: { shape: 'AddonBackupJson' } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'change');
    ctx.body = backupJson(await backups.delete(addon, ctx.params.backup!));
  });
  router.post('/addons/:addon/actions/restore', spec({ summary: 'Restores a backup into the add-on’s database, replacing what its backup holds (a Redis add-on’s whole dataset, its server restarted); `confirm` is the owning app’s name (pg:backups:restore)', body: restoreBody, response: { shape: 'AddonBackupJson' } }), async (ctx) => {
    const { addon, owner } = await loadAddon(ctx, 'change');
    const body = bodyOf(ctx, restoreBody);
    if (body.confirm !== owner.name) throw new SlipwayError('confirmation_required', `Restoring replaces ${addon.name}'s data: confirm with the app's name, ${owner.name}.`, { status: 422, expose: true });
    ctx.body = backupJson(await backups.restore(addon, body.backup));
  });

  router.get('/addons/:addon/backup-schedule', spec({ summary: 'An add-on’s daily backup schedule', response: { shape: 'AddonBackupScheduleJson' } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'view');
    const schedule = await backups.scheduleOf(addon);
    if (!schedule) throw new SlipwayError('not_found', `${addon.name} has no backup schedule.`, { status: 404 });
    ctx.body = backupScheduleJson(schedule, addon);
  });
  router.put('/addons/:addon/backup-schedule', spec({ summary: 'Backs the add-on up daily at a UTC time (pg:backups:schedule --at ’02:00 UTC’)', body: scheduleBody, response: { shape: 'AddonBackupScheduleJson' } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'change');
    ctx.body = backupScheduleJson(await backups.schedule(addon, bodyOf(ctx, scheduleBody).at), addon);
  });
  router.delete('/addons/:addon/backup-schedule', spec({ summary: 'Stops the add-on’s daily backups (pg:backups:unschedule); its backups stay', response: { emptyObject: true } }), async (ctx) => {
    const { addon } = await loadAddon(ctx, 'change');
    await backups.unschedule(addon);
    ctx.body = {};
  });
  router.get('/apps/:app/backup-schedules', spec({ summary: 'The backup schedules of the app’s PostgreSQL and Redis add-ons (pg:backups:schedules)', response: { shape: 'AddonBackupScheduleJson', list: true } }), async (ctx) => {
    const app = await loadApp(ctx, services);
    const found: AddonBackupScheduleJson[] = [];
    for (const addon of await addons.store.ownedBy(app.id)) {
      const schedule = await backups.scheduleOf(addon);
      if (schedule) found.push(backupScheduleJson(schedule, addon));
    }
    ctx.body = found;
  });

  return router;
}
