// How long an app's processes get between SIGTERM and SIGKILL: the app's own setting (Dokku's
// stop-timeout-seconds; Heroku fixes it at 30 s), else the platform's default. Pure.
import type { App } from '../../common/types.js';

export const STOP_TIMEOUT_LIMITS = { min: 1, max: 300 } as const;

export function stopGraceSeconds(app: Pick<App, 'stopTimeoutSeconds'>, platformDefault: number): number {
  return app.stopTimeoutSeconds ?? platformDefault;
}
