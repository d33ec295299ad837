// The pre-receive hook git runs inside `git receive-pack` (a shell script: no runtime to start
// for every push), and what it and the control plane agree on. git runs it with the pushed
// objects in quarantine, so they land only if it exits 0. It posts where the quarantine is and
// the ref updates to the control plane, which archives the commit to deploy, builds it and
// streams the output back as text: git shows each line to the pusher as `remote: ...`. The
// reply's last line is the result, and the hook's exit status.

/** The hook's environment, set by the git handler for each receive-pack (through `git http-backend`). */
export interface PushHookSettings {
  /** the control plane's base URL the hook posts to */
  pushUrl: string;
  /** the push session's one-time secret (a credential: never logged, never on a command line) */
  pushToken: string;
}

/** Starts the reply's last line; the rest of it is `ok` or `failed`. A record separator: no build prints one (see logLine). */
export const RESULT_MARK = '\x1eslipway-result ';

export function pushHookEnvironment(settings: PushHookSettings): Record<string, string> {
  return { SLIPWAY_PUSH_URL: settings.pushUrl, SLIPWAY_PUSH_TOKEN: settings.pushToken };
}

/** One line of build output for the reply, a record separator in it made harmless. */
export const logLine = (line: string): string => `${line.replaceAll('\x1e', '?')}\n`;

export const resultLine = (ok: boolean): string => `${RESULT_MARK}${ok ? 'ok' : 'failed'}\n`;

/** What the hook posts: where the pushed objects wait, then git's `<old> <new> <ref>` lines. */
export function parseHookRequest(body: string): { quarantine: string; refLines: string } {
  const newline = body.indexOf('\n');
  return newline < 0 ? { quarantine: body, refLines: '' } : { quarantine: body.slice(0, newline), refLines: body.slice(newline + 1) };
}

/** The hook's source. The token reaches curl through a here-document on fd 3, not argv. */
export function preReceiveHookScript(): string {
  return `#!/bin/sh
# Slipway's pre-receive hook, written by the control plane at each start.
if [ -z "\${SLIPWAY_PUSH_URL:-}" ] || [ -z "\${SLIPWAY_PUSH_TOKEN:-}" ]; then
  echo ' !     This push did not come through the platform, so nothing would deploy it.'
  exit 1
fi
mark=$(printf '\\036slipway-result ')
relay='index($0, mark) == 1 { result = substr($0, length(mark) + 1); next }
{ print; fflush() }
END {
  if (result == "") print " !     Lost contact with the platform before the build finished."
  exit (result == "ok" ? 0 : 1)
}'
{ printf '%s\\n' "\${GIT_QUARANTINE_PATH:-}"; cat; } |
  curl --silent --show-error --no-buffer --config /dev/fd/3 -H 'content-type: text/plain' --data-binary @- "$SLIPWAY_PUSH_URL/internal/builds" 3<<CONFIG |
header = "authorization: Bearer $SLIPWAY_PUSH_TOKEN"
CONFIG
  awk -v mark="$mark" "$relay"
`;
}
