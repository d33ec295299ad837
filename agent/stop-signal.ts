// What a signal means to an agent already stopping. The same stop often arrives twice within
// moments (a terminal's Ctrl-C and the supervisor's SIGTERM, or systemd signalling every
// process of the unit): that is one request, and the orderly stop goes on. Only a signal
// well after the first one means "exit now, without cleaning up".
export const SAME_STOP_WINDOW_MS = 5_000;

/** Pure: a signal at `now` while stopping since `stoppingSince` (ms). */
export function repeatedStopSignal(stoppingSince: number, now: number, windowMs = SAME_STOP_WINDOW_MS): 'same-stop' | 'exit-now' {
  return now - stoppingSince < windowMs ? 'same-stop' : 'exit-now';
}
