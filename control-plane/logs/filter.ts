// Which log lines `heroku logs --dyno/--source` asks for. Pure.
import type { LogLine } from '../../common/protocol.js';

export interface LogFilter {
  /** A process type (`web`: every web.N) or one process (`web.1`, `router`). */
  dyno?: string;
  /** `app` (the app's own output) or the platform's (`heroku`, or `slipway`: router and platform lines). */
  source?: string;
}

/** The test a line must pass; null when nothing is filtered. */
export function logFilter(filter: LogFilter): ((line: LogLine) => boolean) | null {
  const { dyno, source } = filter;
  if (!dyno && !source) return null;
  return (line) => {
    if (source === 'app' && line.source !== 'app') return false;
    if ((source === 'heroku' || source === 'slipway') && line.source === 'app') return false;
    if (dyno && line.process !== dyno && !line.process.startsWith(`${dyno}.`)) return false;
    return true;
  };
}

/** Pure: whether a `--source` is one Slipway knows. */
export function knownLogSource(source: string): boolean {
  return source === 'app' || source === 'heroku' || source === 'slipway';
}
