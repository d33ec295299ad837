// Human output as pure functions of data: aligned tables, "Key: value" blocks, headings.
// Each returns lines; the caller prints them.

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

const width = (text: string) => [...text].length;

function pad(text: string, size: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A table with a header row, a rule under it, and one row per item; no trailing spaces. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string[] {
  // one line per row: a value with a newline would break the columns
  const cells = rows.map((row) => columns.map((c) => c.value(row).replace(/[\r\n]+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i]!))));
  const render = (values: string[]) =>
    values
      .map((v, i) => pad(v, widths[i]!, columns[i]!.align ?? 'left'))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), render(widths.map((w) => '-'.repeat(w))), ...cells.map(render)];
}

/** `Key:   value` lines with the values aligned, in the given order. */
export function formatKeyValues(pairs: readonly (readonly [string, string])[]): string[] {
  const keyWidth = Math.max(0, ...pairs.map(([key]) => width(key) + 1));
  return pairs.map(([key, value]) => `${pad(`${key}:`, keyWidth, 'left')} ${value}`.trimEnd());
}

export function heading(title: string): string {
  return `=== ${title}`;
}

/** `2026-11-24T22:00:00.123Z` → `2026-11-24 22:00:00 UTC`; anything else unchanged. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "a", "a and b", "a, b and c" */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `KEY=value` lines a shell can source, values single-quoted. */
export function formatShellAssignments(vars: Record<string, string>): string[] {
  return Object.keys(vars)
    .sort()
    .map((key) => `${key}=${shellQuote(vars[key]!)}`);
}

/** One shell word that means exactly `text` to a POSIX shell. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_\/.:@%+,=-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
