import { pino, type Logger } from 'pino';

export type { Logger };

// Config vars, tokens and credentials must never reach a log line, whatever logs them.
const REDACT = [
  'token',
  'password',
  'authorization',
  'config',
  'env',
  '*.token',
  '*.password',
  '*.authorization',
  '*.config',
  '*.env',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** A JSON logger for one component. The single-node supervisor pretty-prints children. */
export function createLogger(component: string, level = 'info'): Logger {
  return pino({ name: component, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** A logger that drops everything, for tests and for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
