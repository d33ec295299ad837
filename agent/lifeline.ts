// The launcher's lifeline: a pipe on stdin it never writes to. Its end means the launcher is
// gone (killed outright, with no chance to stop us), so the agent leaves at once and leaves
// its containers running for the agent the next launcher starts to adopt.
import type { Readable } from 'node:stream';

/** Calls `onLauncherGone` once when `stdin` ends or fails. */
export function watchLifeline(stdin: Readable, onLauncherGone: () => void): void {
  let called = false;
  const gone = () => {
    if (called) return;
    called = true;
    onLauncherGone();
  };
  stdin.once('end', gone);
  stdin.once('error', gone);
  stdin.resume();
}
