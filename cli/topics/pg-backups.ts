// Heroku's pg:backups: capture (waiting for the end, as Heroku's does), list, info, download
// (decrypted by the platform, written to latest.dump), restore and delete (both confirmed with
// the app's name), and the daily schedule.
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AddonAttachmentJson, AddonBackupJson, AddonBackupScheduleJson } from '../../common/api-shapes.js';
import { apiPath } from '../api-client.js';
import { appOptions, jsonOption, type AppOptions, type CommandContext, type JsonOption } from '../context.js';
import { CliError } from '../errors.js';
import { formatKeyValues, formatTable, heading } from '../format.js';

const size = (bytes: number | null) => (bytes === null ? '' : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(2)} MB`);
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' +0000') : '');

/** Pure: Heroku's word for a backup's state. */
export function backupStatus(backup: AddonBackupJson): string {
  if (backup.status === 'succeeded') return `Completed ${when(backup.finished_at)}`;
  if (backup.status === 'failed') return `Failed ${when(backup.finished_at)}`;
  return backup.status === 'running' ? 'Running' : 'Pending';
}

/** Pure: the add-on a command is about: one named (add-on name, attachment name, with or without
 *  _URL), else the app's DATABASE. */
export function chooseDatabase(attachments: readonly AddonAttachmentJson[], ref: string | undefined): { addon: string; as: string } {
  const wanted = (ref ?? 'DATABASE').replace(/_URL$/i, '');
  const found = attachments.find((a) => a.name === wanted.toUpperCase() || a.addon.name === wanted);
  if (!found) throw new CliError(ref ? `No database ${ref} is attached to the app.` : 'The app has no DATABASE: name the add-on.');
  return { addon: found.addon.name, as: found.name };
}

/** Pure: `pg:backups` as Heroku lays it out. */
export function backupTable(backups: readonly (AddonBackupJson & { as: string })[]): string[] {
  if (backups.length === 0) return [heading('Backups'), 'No backups. Capture one with pg:backups:capture.'];
  return [
    heading('Backups'),
    ...formatTable([...backups].reverse(), [
      { header: 'ID', value: (b) => b.id },
      { header: 'Created at', value: (b) => when(b.created_at) },
      { header: 'Status', value: backupStatus },
      { header: 'Size', value: (b) => size(b.size_bytes), align: 'right' },
      { header: 'Database', value: (b) => b.as },
    ]),
  ];
}

/** Pure: `pg:backups:info`. */
export function backupInfoLines(backup: AddonBackupJson, as: string): string[] {
  return [
    heading(`Backup ${backup.id}`),
    ...formatKeyValues([
      ['Database', `${as} (${backup.addon.name})`],
      ['Started at', when(backup.started_at)],
      ['Finished at', when(backup.finished_at)],
      ['Status', backupStatus(backup)],
      ['Type', backup.trigger === 'scheduled' ? 'Scheduled' : 'Manual'],
      ['Backup Size', size(backup.size_bytes)],
      ...(backup.error ? ([['Error', backup.error]] as const) : []),
    ]),
  ];
}

/** Pure: `pg:backups:schedules`. */
export function scheduleLines(app: string, schedules: readonly AddonBackupScheduleJson[]): string[] {
  if (schedules.length === 0) return [`No backup schedules on ${app}. Add one with pg:backups:schedule --at '02:00 UTC'.`];
  return [heading('Backup Schedules'), ...schedules.map((s) => `${s.addon.name}: daily at ${s.at} (keeps ${s.retain}; next ${when(s.next_run_at)})`)];
}

export function registerPgBackupCommands(program: Command, ctx: CommandContext): void {
  const database = async (app: string, ref: string | undefined) => {
    const api = await ctx.api();
    return chooseDatabase(await api.get<AddonAttachmentJson[]>(apiPath`/apps/${app}/addon-attachments`), ref);
  };

  jsonOption(appOptions(program.command('pg:backups').description("the backups of the app's PostgreSQL databases"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const api = await ctx.api();
    const attachments = (await api.get<AddonAttachmentJson[]>(apiPath`/apps/${app}/addon-attachments`)).filter((a) => a.addon.app.name === app);
    const all: (AddonBackupJson & { as: string })[] = [];
    for (const attachment of attachments) {
      const backups = await api.get<AddonBackupJson[]>(apiPath`/addons/${attachment.addon.name}/backups`).catch(() => [] as AddonBackupJson[]);
      all.push(...backups.map((b) => ({ ...b, as: attachment.name })));
    }
    all.sort((a, b) => a.created_at.localeCompare(b.created_at));
    if (options.json) ctx.printJson(all);
    else ctx.print(...backupTable(all));
  });

  jsonOption(appOptions(program.command('pg:backups:capture').description('back a PostgreSQL database up now, encrypted, to the platform’s object store').argument('[database]', 'default: DATABASE'))).action(
    async (ref: string | undefined, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const { addon, as } = await database(app, ref);
      const api = await ctx.api();
      let backup = await api.post<AddonBackupJson>(apiPath`/addons/${addon}/backups`, {});
      backup = await ctx.step(`Backing up ${as} to ${backup.id}`, async () => {
        let current = backup;
        while (current.status === 'pending' || current.status === 'running') {
          await sleep(1000);
          current = await api.get<AddonBackupJson>(apiPath`/addons/${addon}/backups/${current.id}`);
        }
        return current;
      });
      if (backup.status === 'failed') throw new CliError(`Backup ${backup.id} failed: ${backup.error ?? 'no reason given'}`);
      if (options.json) ctx.printJson(backup);
      else ctx.print(`Backup ${backup.id} of ${as} completed (${size(backup.size_bytes)}).`);
    },
  );

  jsonOption(appOptions(program.command('pg:backups:info').description('one backup (default: the latest)').argument('[backup_id]').argument('[database]', 'default: DATABASE'))).action(
    async (id: string | undefined, ref: string | undefined, options: AppOptions & JsonOption) => {
      const app = await ctx.app(options);
      const { addon, as } = await database(app, ref);
      const backup = await (await ctx.api()).get<AddonBackupJson>(apiPath`/addons/${addon}/backups/${id ?? 'latest'}`);
      if (options.json) ctx.printJson(backup);
      else ctx.print(...backupInfoLines(backup, as));
    },
  );

  appOptions(
    program
      .command('pg:backups:download')
      .description('download a backup, decrypted: a pg_dump custom-format archive (default: the latest, to latest.dump)')
      .argument('[backup_id]')
      .argument('[database]', 'default: DATABASE')
      .option('-o, --output <file>', 'where to write it', 'latest.dump'),
  ).action(async (id: string | undefined, ref: string | undefined, options: AppOptions & { output: string }) => {
    const app = await ctx.app(options);
    const { addon } = await database(app, ref);
    const api = await ctx.api();
    await ctx.step(`Downloading ${id ?? 'the latest backup'} to ${options.output}`, async () => {
      const body = await api.stream(apiPath`/addons/${addon}/backups/${id ?? 'latest'}/download`);
      await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(resolve(ctx.io.cwd, options.output), { mode: 0o600 }));
    });
  });

  appOptions(
    program
      .command('pg:backups:restore')
      .description("restore a backup into a database, replacing its data (default: the latest into DATABASE)")
      .argument('[backup_id]')
      .argument('[database]', 'default: DATABASE')
      .option('--confirm <app>', 'the app name again, to confirm'),
  ).action(async (id: string | undefined, ref: string | undefined, options: AppOptions & { confirm?: string }) => {
    const app = await ctx.app(options);
    const { addon, as } = await database(app, ref);
    if (options.confirm !== app) throw new CliError(`This replaces the data in ${as} (${addon}) with ${id ?? 'the latest backup'}. To proceed, run again with --confirm ${app}`);
    const api = await ctx.api();
    await ctx.step(`Restoring ${id ?? 'the latest backup'} into ${as}`, () => api.post<AddonBackupJson>(apiPath`/addons/${addon}/actions/restore`, { backup: id ?? 'latest', confirm: app }));
  });

  appOptions(program.command('pg:backups:delete').description('delete a backup, for good').argument('<backup_id>').argument('[database]', 'default: DATABASE').option('--confirm <app>', 'the app name again, to confirm')).action(
    async (id: string, ref: string | undefined, options: AppOptions & { confirm?: string }) => {
      const app = await ctx.app(options);
      const { addon } = await database(app, ref);
      if (options.confirm !== app) throw new CliError(`This deletes backup ${id} for good. To proceed, run again with --confirm ${app}`);
      await ctx.step(`Deleting backup ${id}`, async () => (await ctx.api()).delete<AddonBackupJson>(apiPath`/addons/${addon}/backups/${id}`));
    },
  );

  jsonOption(appOptions(program.command('pg:backups:schedule').description("back a database up daily (--at '02:00 UTC')").argument('[database]', 'default: DATABASE').requiredOption('--at <time>', "the time of day, UTC: '02:00 UTC'"))).action(
    async (ref: string | undefined, options: AppOptions & JsonOption & { at: string }) => {
      const app = await ctx.app(options);
      const { addon, as } = await database(app, ref);
      const schedule = await (await ctx.api()).put<AddonBackupScheduleJson>(apiPath`/addons/${addon}/backup-schedule`, { at: options.at });
      if (options.json) ctx.printJson(schedule);
      else ctx.print(`Scheduled daily backups of ${as} at ${schedule.at}; the last ${schedule.retain} are kept.`);
    },
  );

  appOptions(program.command('pg:backups:unschedule').description('stop the daily backups of a database (its backups stay)').argument('[database]', 'default: DATABASE')).action(async (ref: string | undefined, options: AppOptions) => {
    const app = await ctx.app(options);
    const { addon, as } = await database(app, ref);
    await ctx.step(`Stopping the daily backups of ${as}`, async () => (await ctx.api()).delete<unknown>(apiPath`/addons/${addon}/backup-schedule`));
  });

  jsonOption(appOptions(program.command('pg:backups:schedules').description("the app's daily backup schedules"))).action(async (options: AppOptions & JsonOption) => {
    const app = await ctx.app(options);
    const schedules = await (await ctx.api()).get<AddonBackupScheduleJson[]>(apiPath`/apps/${app}/backup-schedules`);
    if (options.json) ctx.printJson(schedules);
    else ctx.print(...scheduleLines(app, schedules));
  });
}
