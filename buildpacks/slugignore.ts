// `.slugignore`, Heroku semantics: paths matching its patterns are deleted from the pushed
// source before any buildpack runs. The syntax is .gitignore's without negation: `#`
// comments, `*`, `?`, `[...]`, `**`; a pattern with a `/` (other than a trailing one) is
// anchored at the root, one without matches at any depth; a trailing `/` matches directories only.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface SlugignorePattern {
  source: string;
  regex: RegExp;
  directoryOnly: boolean;
}

export interface ParsedSlugignore {
  patterns: SlugignorePattern[];
  /** lines that were skipped, with why (negations are not supported, as on Heroku) */
  skipped: string[];
}

function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  while (i < glob.length && glob[i] !== ']') i++;
  return i < glob.length ? i : -1;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The regex body of a gitignore-style glob over `/`-separated relative paths. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const atSegmentStart = i === 0 || glob[i - 1] === '/';
      const next = glob[i + 2];
      if (atSegmentStart && next === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else if (atSegmentStart && next === undefined) {
        out += '.*';
        i += 1;
      } else {
        out += '[^/]*';
        i += 1;
      }
    } else if (char === '*') {
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const end = classEnd(glob, i);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/\[/g, '\\[')}]`;
      i = end;
    } else if (char === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1]!);
      i++;
    } else {
      out += escapeRegex(char);
    }
  }
  return out;
}

export function parseSlugignore(text: string): ParsedSlugignore {
  const patterns: SlugignorePattern[] = [];
  const skipped: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('!')) {
      skipped.push(`${line}: negation is not supported in .slugignore`);
      continue;
    }
    const directoryOnly = line.endsWith('/');
    let glob = directoryOnly ? line.slice(0, -1) : line;
    const anchored = glob.includes('/');
    glob = glob.replace(/^\/+/, '');
    if (glob === '' || glob === '**') {
      skipped.push(`${line}: would delete the whole app`);
      continue;
    }
    const body = globToRegex(glob);
    patterns.push({ source: line, directoryOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) });
  }
  return { patterns, skipped };
}

/** Whether `relativePath` (`/`-separated, from the app root) is ignored. */
export function isSlugignored(patterns: readonly SlugignorePattern[], relativePath: string, isDirectory: boolean): boolean {
  return patterns.some((p) => (!p.directoryOnly || isDirectory) && p.regex.test(relativePath));
}

/** Deletes what the patterns match under `root` (symlinks themselves, never their targets); returns how many paths. */
export async function applySlugignore(root: string, patterns: readonly SlugignorePattern[]): Promise<number> {
  if (patterns.length === 0) return 0;
  let removed = 0;
  const walk = async (relativeDir: string): Promise<void> => {
    for (const name of await readdir(join(root, relativeDir))) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const path = join(root, relative);
      const directory = (await lstat(path)).isDirectory();
      if (isSlugignored(patterns, relative, directory)) {
        await rm(path, { recursive: true, force: true });
        removed++;
      } else if (directory) {
        await walk(relative);
      }
    }
  };
  await walk('');
  return removed;
}
