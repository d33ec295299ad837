// The log stream's text lines (`2026-11-24T22:00:00.000Z app[web.1]: message`) as data, and
// a splitter that turns arbitrary chunks of a stream into whole lines.

export interface ParsedLogLine {
  at: string;
  source: string;
  process: string;
  message: string;
}

const LOG_LINE = /^(\d{4}-\d{2}-\d{2}T[0-9:.]+Z) ([a-z]+)\[([^\]]+)\]: ?(.*)$/;

/** A line in the log format, or null for anything else. */
export function parseLogLine(line: string): ParsedLogLine | null {
  const match = LOG_LINE.exec(line);
  if (!match) return null;
  const [, at, source, process, message] = match as unknown as [string, string, string, string, string];
  return { at, source, process, message };
}

/** Collects text chunks and hands out complete lines (without '\n' or '\r\n'). */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop()!;
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  /** The unterminated last line, if any. */
  end(): string[] {
    const last = this.rest.replace(/\r$/, '');
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
