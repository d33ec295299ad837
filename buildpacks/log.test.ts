import { describe, expect, it } from 'vitest';
import { heldLog, limitBuildLog, type BuildLog } from './log.js';

describe('heldLog', () => {
  it('keeps lines until flushed, then prints them in order, once', async () => {
    const printed: string[] = [];
    const held = heldLog();
    held.log('one');
    held.log('two');
    expect(printed).toEqual([]);
    await held.flush((line) => void printed.push(line));
    await held.flush((line) => void printed.push(line));
    expect(printed).toEqual(['one', 'two']);
  });

  it('waits for a slow log between lines', async () => {
    const printed: string[] = [];
    const slow: BuildLog = (line) => new Promise((resolve) => setTimeout(() => resolve(void printed.push(line)), 5));
    const held = heldLog();
    held.log('a');
    held.log('b');
    await held.flush(slow);
    expect(printed).toEqual(['a', 'b']);
  });
});

describe('limitBuildLog', () => {
  it('cuts command output past the limit but still passes headings', () => {
    const printed: string[] = [];
    const log = limitBuildLog((line) => void printed.push(line), 20);
    log('       0123456789');
    log('       0123456789');
    log('       more');
    log('-----> Done');
    expect(printed[0]).toBe('       0123456789');
    expect(printed[1]).toMatch(/build log cut at/);
    expect(printed.slice(2)).toEqual(['-----> Done']);
  });
});
