// The pre-receive hook's environment: written by the git handler for each receive-pack (through
// `git http-backend`), read once by the hook. Both ends live here so the keys are named once.
// No zod: the hook starts for every push and only needs two strings.
import { ConfigError } from '../../common/errors.js';

export interface PushHookSettings {
  /** the control plane's base URL the hook streams the pushed source to */
  pushUrl: string;
  /** the push session's one-time secret (a credential: never logged) */
  pushToken: string;
}

const KEYS = { pushUrl: 'SLIPWAY_PUSH_URL', pushToken: 'SLIPWAY_PUSH_TOKEN' } as const;

/** Pure: the env keys the hook reads. */
export function pushHookEnvironment(settings: PushHookSettings): Record<string, string> {
  return { [KEYS.pushUrl]: settings.pushUrl, [KEYS.pushToken]: settings.pushToken };
}

/**
 * Pure: the hook's settings, or null when not run by a push (a test importing the module).
 * A URL without a token throws: a hook that skipped the build would let the push land undeployed.
 */
export function parsePushHookEnv(env: Record<string, string | undefined>): PushHookSettings | null {
  const pushUrl = env[KEYS.pushUrl];
  if (!pushUrl) return null;
  const pushToken = env[KEYS.pushToken];
  if (!pushToken) throw new ConfigError(`${KEYS.pushUrl} is set but ${KEYS.pushToken} is not`);
  return { pushUrl, pushToken };
}
