// Heroku's list ranges: `Range: <field> [first]..[last][; max=<n>][, order=asc|desc]` picks a
// page of a list sorted by one of its fields; a page that is not the end answers 206 with
// `Next-Range` (`]<last seen>..; max=<n>`: after it), which the client sends back as is. Pure.

/** The most one page holds, and the page of a Range that names no max (Heroku's). */
export const DEFAULT_MAX = 1000;
export const DEFAULT_RANGE_MAX = 200;

export interface RangeSpec {
  field: string;
  first: string | null;
  /** `]first`: strictly after it (a Next-Range). */
  afterFirst: boolean;
  last: string | null;
  max: number;
  order: 'asc' | 'desc';
}

/** The spec in a Range header, or a message saying what is wrong with it. */
export function parseRange(header: string): RangeSpec | { problem: string } {
  const match = /^\s*([a-z_]+)\s*(\]?)([^.;,\s]*)\.\.([^;,\s]*)\s*(?:;\s*(.*))?$/i.exec(header);
  if (!match) return { problem: `Range must look like "id ..; max=200" (got ${JSON.stringify(header)}).` };
  const [, field, bracket, first, last, options = ''] = match as unknown as [string, string, string, string, string, string | undefined];
  let max = DEFAULT_RANGE_MAX;
  let order: 'asc' | 'desc' = 'asc';
  for (const option of options.split(/[;,]/).map((o) => o.trim()).filter(Boolean)) {
    const [key, value = ''] = option.split('=').map((part) => part.trim()) as [string, string | undefined];
    if (key === 'max' && /^\d+$/.test(value) && Number(value) >= 1) max = Math.min(Number(value), DEFAULT_MAX);
    else if (key === 'order' && (value === 'asc' || value === 'desc')) order = value;
    else return { problem: `Range: unknown option ${JSON.stringify(option)} (max=<1..${DEFAULT_MAX}>, order=asc|desc).` };
  }
  return { field: field.toLowerCase(), first: first === '' ? null : decodeURIComponent(first), afterFirst: bracket === ']', last: last === '' ? null : decodeURIComponent(last), max, order };
}

type Item = Record<string, unknown>;

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The fields a list can be ranged by: those every item has as a string or a number. */
export function rangeFields(items: readonly Item[]): string[] {
  const first = items[0];
  if (!first) return ['id'];
  return Object.keys(first).filter((key) => items.every((item) => typeof item[key] === 'string' || typeof item[key] === 'number'));
}

export interface Page {
  items: Item[];
  /** Set when more items follow this page. */
  nextRange: string | null;
  contentRange: string | null;
}

/** The page of `items` that `spec` asks for (a field they cannot be ranged by is a problem). */
export function applyRange(items: readonly Item[], spec: RangeSpec, fields: readonly string[] = rangeFields(items)): Page | { problem: string } {
  if (items.length > 0 && !fields.includes(spec.field)) return { problem: `Range: a list of these cannot be ordered by ${spec.field} (fields: ${fields.join(', ')}).` };
  const value = (item: Item) => item[spec.field];
  const typed = (text: string) => (typeof value(items[0] ?? {}) === 'number' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  const sign = spec.order === 'asc' ? 1 : -1;
  const sorted = [...items].sort((a, b) => sign * compare(value(a), value(b)));
  const inRange = sorted.filter((item) => {
    if (spec.first !== null) {
      const c = sign * compare(value(item), typed(spec.first));
      if (c < 0 || (c === 0 && spec.afterFirst)) return false;
    }
    return spec.last === null || sign * compare(value(item), typed(spec.last)) <= 0;
  });
  const page = inRange.slice(0, spec.max);
  const lastSeen = page.at(-1);
  const more = inRange.length > page.length && lastSeen !== undefined;
  const options = `; max=${spec.max}${spec.order === 'desc' ? ', order=desc' : ''}`;
  return {
    items: page,
    nextRange: more ? `${spec.field} ]${encodeURIComponent(String(value(lastSeen)))}..${options}` : null,
    contentRange: page.length > 0 ? `${spec.field} ${String(value(page[0]!))}..${String(value(lastSeen!))}` : null,
  };
}
