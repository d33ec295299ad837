// Spinners: drawn on a terminal and ending in Heroku's `... done`; nothing at all without one.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withSpinner, type ProgressStream } from './progress.js';

/** A stream that says it is a terminal (the cursor moves a real tty.WriteStream has), keeping what is drawn. */
function fakeTerminal(): { stream: ProgressStream; drawn: () => string } {
  const stream = new PassThrough() as PassThrough & Record<string, unknown>;
  let drawn = '';
  stream.on('data', (chunk: Buffer) => (drawn += chunk.toString()));
  Object.assign(stream, { isTTY: true, columns: 80, cursorTo: () => true, moveCursor: () => true, clearLine: () => true });
  // eslint-disable-next-line no-control-regex
  return { stream, drawn: () => drawn.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withSpinner', () => {
  it('draws the label while the work runs and ends with done', async () => {
    const terminal = fakeTerminal();
    const result = await withSpinner(terminal.stream, 'Scaling dynos', async () => {
      await pause(50);
      expect(terminal.drawn()).toContain('Scaling dynos...');
      return 3;
    });
    expect(result).toBe(3);
    expect(terminal.drawn()).toMatch(/✔ Scaling dynos\.\.\. done\n$/);
  });

  it('ends with failed and passes the error on', async () => {
    const terminal = fakeTerminal();
    await expect(withSpinner(terminal.stream, 'Creating shop', () => Promise.reject(new Error('Name shop is already taken')))).rejects.toThrow('already taken');
    expect(terminal.drawn()).toMatch(/✖ Creating shop\.\.\. failed\n$/);
  });

  it('draws nothing when the stream is not a terminal', async () => {
    const piped = new PassThrough();
    let written = '';
    piped.on('data', (chunk: Buffer) => (written += chunk.toString()));
    expect(await withSpinner(piped, 'Creating shop', async () => 'made')).toBe('made');
    expect(await withSpinner(undefined, 'Creating shop', async () => 'made')).toBe('made');
    expect(written).toBe('');
  });
});
