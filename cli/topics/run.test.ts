import { describe, expect, it } from 'vitest';
import { runExitCode, terminalSize } from './run.js';

describe('run', () => {
  it("exits with the remote command's code, and 1 when it has none or the link broke", () => {
    expect(runExitCode({ exit_code: 3, reason: 'exited with code 3' })).toBe(3);
    expect(runExitCode({ exit_code: 0, reason: 'exited with code 0' })).toBe(0);
    expect(runExitCode({ exit_code: null, reason: 'the host agent restarted during the run' })).toBe(1);
    expect(runExitCode(null)).toBe(1);
  });

  it("asks for the terminal's size, else $COLUMNS and $LINES, else 80×24", () => {
    expect(terminalSize({ columns: 120, rows: 40 }, { COLUMNS: '99', LINES: '9' })).toEqual({ cols: 120, rows: 40 });
    expect(terminalSize({ columns: 0, rows: 0 }, { COLUMNS: '101', LINES: '33' })).toEqual({ cols: 101, rows: 33 });
    expect(terminalSize({}, { COLUMNS: 'wide' })).toEqual({ cols: 80, rows: 24 });
  });
});
