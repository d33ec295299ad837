// What the build needs from go.mod (pure): the module path, the `go` and `toolchain` lines,
// and Heroku's optional `// +heroku install <packages>` comment.

export interface GoMod {
  module: string | null;
  /** the `go` line's version: `1.22`, `1.22.5`, `1.21rc2` */
  go: string | null;
  /** the `toolchain` line's version without its `go` prefix: `1.22.5` */
  toolchain: string | null;
  /** package patterns from `// +heroku install ./cmd/...`, or null without that comment */
  install: string[] | null;
}

const unquote = (text: string): string => (/^".*"$/.test(text) || /^`.*`$/.test(text) ? text.slice(1, -1) : text);

/** Parses the lines the build needs; the rest of go.mod is the go command's business. */
export function parseGoMod(text: string): GoMod {
  const result: GoMod = { module: null, go: null, toolchain: null, install: null };
  let inBlock = false;
  for (const raw of text.split(/\r?\n/)) {
    const heroku = /^\s*\/\/\s*\+heroku\s+install\s+(.*)$/.exec(raw);
    if (heroku) {
      result.install = heroku[1]!.trim().split(/\s+/).filter(Boolean);
      continue;
    }
    const line = raw.replace(/\/\/.*$/, '').trim();
    // `require (`, `replace (`, ...: their lines are not directives
    if (inBlock) {
      if (line === ')') inBlock = false;
      continue;
    }
    if (line.endsWith('(')) {
      inBlock = true;
      continue;
    }
    const [keyword, value, ...rest] = line.split(/\s+/);
    if (!value || rest.length > 0) continue;
    if (keyword === 'module') result.module = unquote(value);
    else if (keyword === 'go') result.go = value;
    else if (keyword === 'toolchain' && value.startsWith('go')) result.toolchain = value.slice(2);
  }
  return result;
}

/**
 * The name `go install` gives the binary of the module's root package: the last element of
 * the module path, or the one before it when that is a major version suffix (`/v2`).
 */
export function rootBinaryName(modulePath: string): string {
  const parts = modulePath.split('/').filter(Boolean);
  const last = parts.at(-1) ?? modulePath;
  if (/^v[0-9]+$/.test(last) && parts.length > 1) return parts.at(-2)!;
  return last;
}
