// Per-app limits on config vars (Heroku: 32 kB for all names and values together), so one app
// cannot fill the state store. Pure: the caller reads the current config and writes nothing
// when this finds a limit exceeded.

export interface ConfigLimits {
  maxVars: number;
  maxNameBytes: number;
  maxValueBytes: number;
  /** All names and values together, in UTF-8 bytes. */
  maxTotalBytes: number;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The config `changes` (string sets, null unsets) would leave. */
export function applyConfigChanges(current: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const next = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

/** Why `changes` may not be applied to `current` (the limit and the numbers), or null if they may. */
export function configLimitViolation(current: Record<string, string>, changes: Record<string, string | null>, limits: ConfigLimits): string | null {
  for (const [name, value] of Object.entries(changes)) {
    if (bytes(name) > limits.maxNameBytes) {
      return `Config var name ${name.slice(0, 40)}${name.length > 40 ? '…' : ''} is ${bytes(name)} bytes; the limit is ${limits.maxNameBytes} bytes.`;
    }
    if (value !== null && bytes(value) > limits.maxValueBytes) {
      return `Config var ${name} is ${bytes(value)} bytes; the limit for one value is ${limits.maxValueBytes} bytes.`;
    }
  }
  const next = applyConfigChanges(current, changes);
  const count = Object.keys(next).length;
  if (count > limits.maxVars && count > Object.keys(current).length) {
    return `This change would leave ${count} config vars; the limit is ${limits.maxVars} per app.`;
  }
  const total = Object.entries(next).reduce((sum, [name, value]) => sum + bytes(name) + bytes(value), 0);
  const before = Object.entries(current).reduce((sum, [name, value]) => sum + bytes(name) + bytes(value), 0);
  if (total > limits.maxTotalBytes && total > before) {
    return `This change would make the app's config vars ${total} bytes (names and values); the limit is ${limits.maxTotalBytes} bytes per app.`;
  }
  return null;
}
