// App logs are kept in a JetStream stream (a day, a bounded number of lines per app, a bounded
// size on disk: the oldest messages go first; one message past the size limit is refused), so
// `slipway logs` shows recent history and then follows new lines.
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { logLinesOf, subjects, type LogLine } from '../../common/protocol.js';

export const LOG_STREAM = 'SLIPWAY_LOGS';
const HOUR_NS = 60 * 60 * 1_000_000_000;
export const MAX_LINES_PER_APP = 10_000;

export interface LogStreamLimits {
  /** All apps' logs together, on disk. */
  maxBytes: number;
  /** One message (a line, or a batch of the router's access lines). */
  maxMessageBytes: number;
  /** How long any line is kept: the longest plan's retention (each app's plan reads less of it). */
  maxAgeHours?: number;
}

/** Creates the log stream, or brings an existing one (an earlier version's too) to these limits. */
export async function ensureLogStream(nats: NatsConnection, limits: LogStreamLimits): Promise<void> {
  const jsm = await nats.jetstreamManager();
  const config = {
    name: LOG_STREAM,
    subjects: [subjects.allLogs],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (limits.maxAgeHours ?? 24) * HOUR_NS,
    max_msgs_per_subject: MAX_LINES_PER_APP,
    max_bytes: limits.maxBytes,
    max_msg_size: limits.maxMessageBytes,
    discard: DiscardPolicy.Old,
  };
  try {
    await jsm.streams.info(LOG_STREAM);
    await jsm.streams.update(LOG_STREAM, config);
  } catch {
    await jsm.streams.add(config);
  }
}

/** Pure: one log line as `heroku logs` prints it. */
export function formatLogLine(line: LogLine): string {
  const origin = line.source === 'app' ? `app[${line.process}]` : `slipway[${line.process}]`;
  return `${line.at} ${origin}: ${line.line}`;
}

/** The last `lines` lines of an app (of those `accept` takes, when given, none stored before
 *  `notBeforeMs`), then (with `tail`)
 *  new ones as they come, until `signal`. */
export async function* readLogs(
  nats: NatsConnection,
  appId: string,
  options: { lines: number; tail: boolean; signal: AbortSignal; accept?: ((line: LogLine) => boolean) | null; notBeforeMs?: number },
): AsyncGenerator<LogLine> {
  const subject = subjects.logs(appId);
  // How many lines are stored (an ordered consumer cannot tell before it consumes).
  const jsm = await nats.jetstreamManager();
  const stream = await jsm.streams.info(LOG_STREAM, { subjects_filter: subject });
  const stored = stream.state.subjects?.[subject] ?? 0;
  if (stored === 0 && !options.tail) return;
  // An ephemeral pull consumer that the server forgets soon after we stop reading (nats-server
  // 2.9 cannot serve nats.js's ordered consumers).
  const created = await jsm.consumers.add(LOG_STREAM, {
    filter_subject: subject,
    deliver_policy: stored === 0 ? DeliverPolicy.New : DeliverPolicy.All,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000,
  });
  const consumer = await nats.jetstream().consumers.get(LOG_STREAM, created.name);
  const recent: LogLine[] = [];
  const messages = await consumer.consume();
  // Stopping ends the iteration below cleanly (breaking out of it can hang the consumer).
  const stop = () => messages.stop();
  options.signal.addEventListener('abort', stop, { once: true });
  // Aborted while the consumer was being set up (a token revoked at once): an abort event
  // that fired before the listener existed would otherwise leave the tail open forever.
  if (options.signal.aborted) stop();
  let caughtUp = stored === 0;
  try {
    for await (const message of messages) {
      let lines: LogLine[];
      try {
        lines = logLinesOf(message.json());
      } catch {
        lines = [];
      }
      if (options.accept) lines = lines.filter(options.accept);
      // history stored before what the app's plan keeps is not served (the stream keeps the longest plan's)
      if (!caughtUp && options.notBeforeMs !== undefined && message.info.timestampNanos / 1e6 < options.notBeforeMs) lines = [];
      if (caughtUp) {
        yield* lines;
        continue;
      }
      recent.push(...lines);
      if (recent.length > options.lines) recent.splice(0, recent.length - options.lines);
      if (message.info.pending === 0) {
        caughtUp = true;
        if (!options.tail) stop();
        yield* recent.splice(0);
      }
    }
  } finally {
    options.signal.removeEventListener('abort', stop);
    messages.stop();
  }
}

/** Deletes every stored line of an app (the app was deleted). */
export async function purgeAppLogs(nats: NatsConnection, appId: string): Promise<void> {
  const jsm = await nats.jetstreamManager();
  await jsm.streams.purge(LOG_STREAM, { filter: subjects.logs(appId) });
}
