// Readable foreground logs: components write JSON (pino); the launcher prints them pretty.
import { prettyFactory } from 'pino-pretty';

export type LineFormatter = (component: string, line: string) => string;

export function lineFormatter(colorize: boolean): LineFormatter {
  const pretty = prettyFactory({ colorize, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
  return (component, line) => {
    if (line.startsWith('{')) {
      try {
        return pretty(JSON.parse(line) as object).trimEnd();
      } catch {
        // not JSON after all: print as it is
      }
    }
    return `[${component}] ${line}`;
  };
}
