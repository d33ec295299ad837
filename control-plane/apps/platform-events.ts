// The platform's events in an app's log, in Heroku's words (`heroku logs` shows them as
// `app[api]: Release v5 created by user ...`; Slipway's `--source platform` selects them). Pure.
import type { FormationEntry } from '../../common/types.js';

const by = (email: string) => `by user ${email}`;

export const platformEvents = {
  buildStarted: (email: string) => `Build started ${by(email)}`,
  buildSucceeded: () => 'Build succeeded',
  buildFailed: (reason: string) => `Build failed: ${reason.split('\n')[0]}`,
  deployed: (sourceVersion: string, email: string) => `Deploy ${sourceVersion.slice(0, 8)} ${by(email)}`,
  releaseCreated: (version: number, email: string) => `Release v${version} created ${by(email)}`,
  /** `description` is the release's own: "Set FOO config vars; Remove BAR config vars". */
  configChanged: (description: string, email: string) => `${description} ${by(email)}`,
  rolledBack: (toVersion: number, email: string) => `Rollback to v${toVersion} ${by(email)}`,
  /** Heroku's `Scaled to web@2:Standard-1X worker@0:Standard-1X by user ...`, for the types changed. */
  scaled: (formation: readonly Pick<FormationEntry, 'type' | 'quantity' | 'size'>[], email: string) =>
    `Scaled to ${formation.map((f) => `${f.type}@${f.quantity}:${f.size}`).join(' ')} ${by(email)}`,
  /** `name`: a dyno (web.1), a process type (web), or null for all. */
  restarted: (name: string | null, email: string) => `Restart ${name ?? 'all dynos'} ${by(email)}`,
};
