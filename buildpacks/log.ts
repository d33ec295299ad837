// The shapes of build log lines, Heroku style: git prints each one after `remote: `.

export type BuildLog = (line: string) => void;

/** A step heading: `-----> Installing dependencies`. */
export const heading = (text: string): string => `-----> ${text}`;

/** Detail or command output under a heading, indented to line up with the heading's text. */
export const detail = (text: string): string => `       ${text}`;

/** A warning or error line. */
export const warning = (text: string): string => ` !     ${text}`;

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
