// Which log lines `heroku logs --dyno/--source` asks for. Pure.
import type { LogLine } from '../../common/protocol.js';

export interface LogFilter {
  /** A process type (`web`: every web.N) or one process (`web.1`, `router`). */
  dyno?: string;
  /** `app` (the app's own output), `router` (its access log), `platform` (the platform's events),
   *  or Heroku's `heroku` (also `slipway`): router and platform together. */
  source?: string;
}

/** The test a line must pass; null when nothing is filtered. */
export function logFilter(filter: LogFilter): ((line: LogLine) => boolean) | null {
  const { dyno, source } = filter;
  if (!dyno && !source) return null;
  return (line) => {
    if (!sourceAccepts(source, line.source)) return false;
    if (dyno && line.process !== dyno && !line.process.startsWith(`${dyno}.`)) return false;
    return true;
  };
}

const SOURCES: Record<string, readonly LogLine['source'][]> = {
  app: ['app'],
  router: ['router'],
  platform: ['slipway'],
  heroku: ['router', 'slipway'],
  slipway: ['router', 'slipway'],
};

function sourceAccepts(filter: string | undefined, source: LogLine['source']): boolean {
  return filter === undefined || (SOURCES[filter]?.includes(source) ?? false);
}

/** The `--source` values Slipway knows, for error messages. */
export const LOG_SOURCES = Object.keys(SOURCES);

/** Pure: whether a `--source` is one Slipway knows. */
export function knownLogSource(source: string): boolean {
  return Object.hasOwn(SOURCES, source);
}
