// Platform events in an app's log stream (`heroku logs` shows them beside the app's output).
import type { NatsConnection } from 'nats';
import { encode, subjects, type LogLine } from '../common/protocol.js';

export type AppLogger = (appName: string, process: string, line: string) => void;

export function natsAppLogger(nats: NatsConnection): AppLogger {
  return (appName, process, line) => {
    const message: LogLine = { appName, source: 'slipway', process, line, at: new Date().toISOString() };
    nats.publish(subjects.logs(appName), encode(message));
  };
}
