// Archive member names made safe (pure): a relative path inside the destination, or null
// for one that would escape it or names the destination itself.
import { posix } from 'node:path';

export function safeRelativePath(name: string, stripComponents = 0): string | null {
  if (name.includes('\0')) return null;
  if (posix.isAbsolute(name) || /^[A-Za-z]:/.test(name)) return null;
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return null;
  const kept = parts.slice(stripComponents);
  return kept.length > 0 ? kept.join('/') : null;
}
