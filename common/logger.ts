import { pino, type DestinationStream, type Logger } from 'pino';

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

/**
 * Errors as pino serializes them, minus what a client library attached about the failed call:
 * ioredis puts the command's arguments on its errors (`command.args`: config values, release
 * JSON), and they must not reach the logs through an error any more than through a field.
 * Walks `cause` chains and aggregated errors, which the serializer nests.
 */
export function serializeError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  return scrubCallArguments(serialized, 0);
}

function scrubCallArguments(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubCallArguments(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'command' && field !== null && typeof field === 'object') {
      const name = (field as { name?: unknown }).name;
      out.command = typeof name === 'string' ? { name } : '[redacted]';
    } else if (key === 'args' || key === 'argv') {
      out[key] = '[redacted]';
    } else {
      out[key] = scrubCallArguments(field, depth + 1);
    }
  }
  return out;
}

/** A JSON logger for one component. The single-node supervisor pretty-prints children. */
export function createLogger(component: string, level = 'info', destination?: DestinationStream): Logger {
  const options = { name: component, level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { err: serializeError } };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything, for tests and for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
