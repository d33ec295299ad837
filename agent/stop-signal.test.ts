import { expect, it } from 'vitest';
import { repeatedStopSignal, SAME_STOP_WINDOW_MS } from './stop-signal.js';

it('treats a second signal within moments as the same stop, and a later one as exit now', () => {
  expect(repeatedStopSignal(1_000, 1_000 + 40)).toBe('same-stop');
  expect(repeatedStopSignal(1_000, 1_000 + SAME_STOP_WINDOW_MS - 1)).toBe('same-stop');
  expect(repeatedStopSignal(1_000, 1_000 + SAME_STOP_WINDOW_MS)).toBe('exit-now');
});
