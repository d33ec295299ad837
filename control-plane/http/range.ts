// Heroku's Range header for lists: `version ..; max=15, order=desc`, `version 3..10`,
// `version ]3..; max=10` (exclusive start, what Next-Range carries). Pure: parse a header,
// then page a list of records by a numeric field.

export interface ListRange {
  field: string;
  start: number | null;
  startExclusive: boolean;
  end: number | null;
  max: number;
  order: 'asc' | 'desc';
}

/** Heroku's default page size and the most one page may hold. */
export const DEFAULT_RANGE_MAX = 200;
export const MAX_RANGE_MAX = 1000;

const RANGE = /^\s*([a-z_]+)\s*(\]?)(\d*)\.\.(\d*)\s*(.*)$/i;

/** The range a header asks for, null without one, or a problem to answer with 400. */
export function parseRange(header: string | undefined, fields: readonly string[]): ListRange | null | { problem: string } {
  if (!header || !header.trim()) return null;
  const match = RANGE.exec(header);
  if (!match) return { problem: `Range ${JSON.stringify(header)} is not of the form "<field> [start]..[end][; max=N, order=asc|desc]".` };
  const [, field, exclusive, start, end, rest] = match;
  if (!fields.includes(field!)) return { problem: `Range is by ${fields.join(' or ')}, not ${field}.` };
  const range: ListRange = {
    field: field!,
    start: start ? Number(start) : null,
    startExclusive: exclusive === ']',
    end: end ? Number(end) : null,
    max: DEFAULT_RANGE_MAX,
    order: 'asc',
  };
  for (const option of rest!.split(/[;,]/).map((part) => part.trim()).filter(Boolean)) {
    const [key, value] = option.split('=').map((part) => part.trim());
    if (key === 'max' && /^\d+$/.test(value ?? '') && Number(value) >= 1) range.max = Math.min(Number(value), MAX_RANGE_MAX);
    else if (key === 'order' && (value === 'asc' || value === 'desc')) range.order = value;
    else return { problem: `Range option ${JSON.stringify(option)} is not max=N or order=asc|desc.` };
  }
  return range;
}

/** One page of `items` by `key`, and the Next-Range header for the rest (null: nothing left). */
export function pageByRange<T>(items: readonly T[], key: (item: T) => number, range: ListRange): { page: T[]; nextRange: string | null } {
  const inRange = items.filter((item) => {
    const value = key(item);
    // In descending order the start bound is the high end (`]5..` after a desc page: below 5).
    const [low, high] = range.order === 'asc' ? [range.start, range.end] : [range.end, range.start];
    const lowExclusive = range.order === 'asc' && range.startExclusive;
    const highExclusive = range.order === 'desc' && range.startExclusive;
    if (low !== null && (lowExclusive ? value <= low : value < low)) return false;
    if (high !== null && (highExclusive ? value >= high : value > high)) return false;
    return true;
  });
  const sorted = [...inRange].sort((a, b) => (range.order === 'asc' ? key(a) - key(b) : key(b) - key(a)));
  const page = sorted.slice(0, range.max);
  if (sorted.length <= range.max) return { page, nextRange: null };
  const last = key(page[page.length - 1]!);
  return { page, nextRange: `${range.field} ]${last}..; max=${range.max}, order=${range.order}` };
}
