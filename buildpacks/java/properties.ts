// Java `.properties` files (system.properties, maven-wrapper.properties), read as Java does
// for what apps put in them: `key=value`, `key: value` or `key value`, `#`/`!` comments,
// a trailing backslash continuing the line, and the common escapes.

const UNESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escaped: string) =>
    escaped.length === 5 ? String.fromCharCode(parseInt(escaped.slice(1), 16)) : (UNESCAPES[escaped] ?? escaped),
  );
}

/** Logical lines: comments and blanks dropped, continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending: string | null = null;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line: string = pending === null ? raw.trimStart() : pending + raw.trimStart();
    if (pending === null && (line === '' || line.startsWith('#') || line.startsWith('!'))) continue;
    const trailing = /(\\+)$/.exec(line)?.[1]?.length ?? 0;
    if (trailing % 2 === 1) {
      pending = line.slice(0, -1);
      continue;
    }
    pending = null;
    lines.push(line);
  }
  if (pending !== null && pending !== '') lines.push(pending);
  return lines;
}

export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const line of logicalLines(text)) {
    // The key ends at the first unescaped `=`, `:` or whitespace.
    const match = /^((?:\\.|[^=:\s\\])*)\s*[=:]?\s*(.*)$/.exec(line);
    if (!match) continue;
    properties.set(unescape(match[1]!), unescape(match[2]!).trimEnd());
  }
  return properties;
}
