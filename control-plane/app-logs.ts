// Platform events in an app's log stream (`heroku logs` shows them beside the app's output).
import type { NatsConnection } from 'nats';
import { encode, subjects, type LogLine } from '../common/protocol.js';
import type { App } from '../common/types.js';

export type AppLogger = (app: Pick<App, 'id' | 'name'>, process: string, line: string) => void;

export function natsAppLogger(nats: NatsConnection): AppLogger {
  return (app, process, line) => {
    const message: LogLine = { appName: app.name, appId: app.id, source: 'slipway', process, line, at: new Date().toISOString() };
    nats.publish(subjects.logs(app.id), encode(message));
  };
}
