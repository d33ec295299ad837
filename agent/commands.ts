// The control plane's commands to this host (run, stop, one-off, list) over NATS request/reply. Bad
// input gets an {ok:false,error} reply, never a crash; error texts name fields, never values
// (config vars are secrets, and a JSON syntax error would quote the input).
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { z } from 'zod';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import {
  addonRequest,
  encode,
  runAddonRequest,
  rotateAddonPasswordRequest,
  addonInfoRequest,
  addonWriteAccessRequest,
  type AddonWriteAccessRequest,
  type AddonWriteAccessReply,
  addonBackupRequest,
  type AddonBackupRequest,
  type AddonBackupReply,
  runInstanceRequest,
  runOneOffRequest,
  stopInstanceRequest,
  stopOneOffRequest,
  subjects,
  type AddonRequest,
  type ListInstancesReply,
  type RunAddonReply,
  type RunAddonRequest,
  type RotateAddonPasswordRequest,
  type AddonInfoRequest,
  type AddonInfoReply,
  type Reply,
  type RunInstanceReply,
  type RunInstanceRequest,
  type RunOneOffRequest,
  type StopInstanceRequest,
  type StopOneOffRequest,
} from '../common/protocol.js';

export interface CommandHandlers {
  run(request: RunInstanceRequest): Promise<RunInstanceReply>;
  stop(request: StopInstanceRequest): Promise<Reply>;
  /** Starts a one-off container; its output and exit come as events (one-offs.ts). */
  oneOff(request: RunOneOffRequest): Promise<Reply>;
  stopOneOff(request: StopOneOffRequest): Promise<Reply>;
  list(): ListInstancesReply;
  /** Add-ons' servers (addons.ts); absent on agents built without them (tests). */
  addonRun?(request: RunAddonRequest): Promise<RunAddonReply>;
  addonRemove?(request: AddonRequest): Promise<Reply>;
  addonRotate?(request: RotateAddonPasswordRequest): Promise<Reply>;
  addonInfo?(request: AddonInfoRequest): Promise<AddonInfoReply>;
  addonWriteAccess?(request: AddonWriteAccessRequest): Promise<AddonWriteAccessReply>;
  /** PostgreSQL add-ons' backups (addon-backups.ts) */
  addonBackup?(request: AddonBackupRequest): Promise<AddonBackupReply>;
  addonRestore?(request: AddonBackupRequest): Promise<Reply>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Decodes and validates a request body; the error names what is wrong, not what was sent. */
export function parseRequest<S extends z.ZodType>(schema: S, data: Uint8Array): Parsed<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, error: 'invalid request: not valid JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  return { ok: false, error: `invalid request: ${problems.join('; ')}` };
}

export interface CommandServer {
  /** Stops taking commands and waits for the ones in progress to be answered. */
  close(): Promise<void>;
}

export function serveCommands(nats: NatsConnection, hostId: string, handlers: CommandHandlers, log: Logger): CommandServer {
  const inFlight = new Set<Promise<void>>();
  const subscriptions: Subscription[] = [];

  const serve = <T>(subject: string, parse: (data: Uint8Array) => Parsed<T>, handle: (value: T) => Promise<Reply> | Reply) => {
    const answer = async (msg: Msg) => {
      const parsed = parse(msg.data);
      let reply: Reply;
      if (!parsed.ok) {
        log.warn({ subject, error: parsed.error }, 'refused a malformed command');
        reply = { ok: false, error: parsed.error };
      } else {
        try {
          reply = await handle(parsed.value);
        } catch (err) {
          log.error({ subject, err: describeError(err) }, 'command failed');
          reply = { ok: false, error: describeError(err) };
        }
      }
      msg.respond(encode(reply));
    };
    subscriptions.push(
      nats.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return log.error({ subject, err: describeError(err) }, 'command subscription failed');
          const task = answer(msg).catch((error) => log.error({ subject, err: describeError(error) }, 'could not answer a command'));
          inFlight.add(task);
          void task.finally(() => inFlight.delete(task));
        },
      }),
    );
  };

  serve(subjects.run(hostId), (data) => parseRequest(runInstanceRequest, data), (request) => handlers.run(request));
  serve(subjects.stop(hostId), (data) => parseRequest(stopInstanceRequest, data), (request) => handlers.stop(request));
  serve(subjects.oneOff(hostId), (data) => parseRequest(runOneOffRequest, data), (request) => handlers.oneOff(request));
  serve(subjects.oneOffStop(hostId), (data) => parseRequest(stopOneOffRequest, data), (request) => handlers.stopOneOff(request));
  const { addonRun, addonRemove, addonRotate, addonInfo } = handlers;
  if (addonRun) serve(subjects.addonRun(hostId), (data) => parseRequest(runAddonRequest, data), (request) => addonRun(request));
  if (addonRemove) serve(subjects.addonRemove(hostId), (data) => parseRequest(addonRequest, data), (request) => addonRemove(request));
  if (addonInfo) serve(subjects.addonInfo(hostId), (data) => parseRequest(addonInfoRequest, data), (request) => addonInfo(request));
  if (addonRotate) serve(subjects.addonRotate(hostId), (data) => parseRequest(rotateAddonPasswordRequest, data), (request) => addonRotate(request));
  const { addonWriteAccess } = handlers;
  if (addonWriteAccess) serve(subjects.addonWriteAccess(hostId), (data) => parseRequest(addonWriteAccessRequest, data), (request) => addonWriteAccess(request));
  const { addonBackup, addonRestore } = handlers;
  if (addonBackup) serve(subjects.addonBackup(hostId), (data) => parseRequest(addonBackupRequest, data), (request) => addonBackup(request));
  if (addonRestore) serve(subjects.addonRestore(hostId), (data) => parseRequest(addonBackupRequest, data), (request) => addonRestore(request));
  // list takes no arguments: whatever the body is, the answer is the same.
  serve(subjects.list(hostId), () => ({ ok: true, value: undefined }), () => handlers.list());

  return {
    async close() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
