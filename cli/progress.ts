// Spinners on long operations (Heroku's `Creating app... done`), drawn only on a terminal:
// piped or captured output stays exactly what the command prints.
import yoctoSpinner from 'yocto-spinner';
import type { Writable } from 'node:stream';

/** Where progress is drawn: the user's terminal (stderr), when it is one. */
export type ProgressStream = Writable & { isTTY?: boolean };

/** Runs `work` under a spinner labelled `label...`, ending in `label... done` (or `... failed`).
 *  Without a terminal it only runs `work`. */
export async function withSpinner<T>(stream: ProgressStream | undefined, label: string, work: () => Promise<T>): Promise<T> {
  if (!stream?.isTTY) return work();
  // The CLI handles Ctrl-C itself (run, logs --tail): the spinner must not exit the process.
  const spinner = yoctoSpinner({ text: `${label}...`, stream, handleSignals: false }).start();
  try {
    const result = await work();
    spinner.success(`${label}... done`);
    return result;
  } catch (err) {
    spinner.error(`${label}... failed`);
    throw err;
  }
}
