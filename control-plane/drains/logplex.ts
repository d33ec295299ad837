// Pure: Heroku's HTTPS drain request (logplex's `application/logplex-1`): a POST whose body is
// octet-counted syslog frames, each message ending in a newline as logplex sends them, with
// the count, a frame id (the same on a retry, so a receiver can drop duplicates) and the
// drain's token in headers.
import { randomBytes } from 'node:crypto';
import type { LogLine } from '../../common/protocol.js';
import { octetFrame, syslogMessage } from './syslog.js';

export interface LogplexBatch {
  headers: Record<string, string>;
  body: string;
}

export function newFrameId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function logplexBatch(lines: readonly LogLine[], drainToken: string, frameId: string, options: { now?: () => Date } = {}): LogplexBatch {
  const body = lines.map((line) => octetFrame(`${syslogMessage(line, drainToken, options)}\n`)).join('');
  return {
    headers: {
      'content-type': 'application/logplex-1',
      'logplex-msg-count': String(lines.length),
      'logplex-frame-id': frameId,
      'logplex-drain-token': drainToken,
      'user-agent': 'Slipway-Logplex/1',
    },
    body,
  };
}
