// The shapes of build log lines, Heroku style: git prints each one after `remote: `.

/** Where build lines go; a promise means "wait before the next line" (the pusher is behind). */
export type BuildLog = (line: string) => void | Promise<void>;

/** A step heading: `-----> Installing dependencies`. */
export const heading = (text: string): string => `-----> ${text}`;

/** Detail or command output under a heading, indented to line up with the heading's text. */
const DETAIL_PREFIX = '       ';
export const detail = (text: string): string => `${DETAIL_PREFIX}${text}`;

/** A warning or error line. */
export const warning = (text: string): string => ` !     ${text}`;

export const logCutNote = (maxBytes: number): string =>
  warning(`build log cut at ${formatMegabytes(maxBytes)}: the build goes on, the rest of its command output is not shown`);

/**
 * A log that passes at most `maxBytes` of command output (detail lines); the builder's own
 * headings and warnings still pass after the cut, so the outcome is always shown.
 */
export function limitBuildLog(log: BuildLog, maxBytes: number): BuildLog {
  let used = 0;
  let cut = false;
  return (line) => {
    if (!line.startsWith(DETAIL_PREFIX)) return log(line);
    if (cut) return;
    used += Buffer.byteLength(line) + 1;
    if (used <= maxBytes) return log(line);
    cut = true;
    return log(logCutNote(maxBytes));
  };
}

/**
 * A log for work running alongside another step: its lines wait until `flush` prints them
 * under the right heading, so concurrent steps never interleave their output.
 */
export function heldLog(): { log: BuildLog; flush: (to: BuildLog) => Promise<void> } {
  const lines: string[] = [];
  return {
    log: (line) => void lines.push(line),
    flush: async (to) => {
      for (const line of lines.splice(0)) await to(line);
    },
  };
}

/** Keeps the last `size` lines it was given, for error messages. */
export class LineTail {
  private readonly lines: string[] = [];
  constructor(private readonly size = 25) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
