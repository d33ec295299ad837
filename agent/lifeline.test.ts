import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchLifeline } from './lifeline.js';

// The real thing (a control plane killed with SIGKILL, its agent gone with it) is in
// test/e2e/hiccups.test.ts.
describe('watchLifeline', () => {
  it('calls back once when the pipe ends', async () => {
    const pipe = new PassThrough();
    let calls = 0;
    watchLifeline(pipe, () => calls++);
    pipe.end();
    await new Promise((resolve) => setImmediate(resolve));
    pipe.emit('error', new Error('late'));
    expect(calls).toBe(1);
  });
});
