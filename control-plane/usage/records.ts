// Usage records and the pure rules over them: what counts as billable dyno time, how records
// add up for a period, and the CSV a provider's billing imports.
import type { DynoSize, InstanceState } from '../../common/types.js';

export type UsageKind = 'dyno' | 'one-off' | 'build' | 'router' | 'addon';

/** One measured stretch of use. `key` is unique per stretch: a retry never counts it twice. */
export interface UsageRecord {
  key: string;
  /** `user:<id>` or `team:<id>`: the account the app belonged to at the time */
  account: string;
  appId: string;
  appName: string;
  kind: UsageKind;
  /** the process type (`web`, `run` for one-offs, `build`; an add-on's plan, `postgresql:mini`) */
  processType: string;
  size: DynoSize | null;
  /** ISO 8601, UTC */
  start: string;
  end: string;
  /** time used (dynos, one-offs, builds); 0 for router traffic */
  seconds: number;
  /** router traffic: requests answered and response bytes sent in the window (absent elsewhere) */
  requests?: number;
  bytes?: number;
}

/** A dyno costs from when it is asked to start until it stops or crashes (Heroku's rule). */
export function billable(state: InstanceState): boolean {
  return state === 'starting' || state === 'up' || state === 'stopping';
}

/** Pure: a record of `[startMs, endMs)`. */
export function usageRecord(fields: Omit<UsageRecord, 'start' | 'end' | 'seconds'>, startMs: number, endMs: number): UsageRecord {
  return { ...fields, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), seconds: Math.max(0, endMs - startMs) / 1000 };
}

export interface UsageLine {
  appName: string;
  kind: UsageKind;
  processType: string;
  size: DynoSize | null;
  seconds: number;
  requests: number;
  bytes: number;
}

/** Pure: records added up per app, kind, process type and size, the part of each inside [fromMs, toMs). */
export function summarize(records: readonly UsageRecord[], fromMs: number, toMs: number): UsageLine[] {
  const lines = new Map<string, UsageLine>();
  for (const record of records) {
    const start = Math.max(Date.parse(record.start), fromMs);
    const end = Math.min(Date.parse(record.end), toMs);
    if (end <= start) continue;
    const share = Date.parse(record.end) > Date.parse(record.start) ? (end - start) / (Date.parse(record.end) - Date.parse(record.start)) : 1;
    const id = [record.appName, record.kind, record.processType, record.size ?? ''].join('\u0000');
    const line = lines.get(id) ?? { appName: record.appName, kind: record.kind, processType: record.processType, size: record.size, seconds: 0, requests: 0, bytes: 0 };
    line.seconds += record.seconds * share;
    // a router window's counts are not spread over time: they count where the window ends
    if (Date.parse(record.end) <= toMs) {
      line.requests += record.requests ?? 0;
      line.bytes += record.bytes ?? 0;
    }
    lines.set(id, line);
  }
  return [...lines.values()]
    .map((line) => ({ ...line, seconds: Math.round(line.seconds * 1000) / 1000 }))
    .sort((a, b) => a.appName.localeCompare(b.appName) || a.kind.localeCompare(b.kind) || a.processType.localeCompare(b.processType) || (a.size ?? '').localeCompare(b.size ?? ''));
}

const csvField = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Pure: the records as CSV (RFC 4180), one line each, for a billing import. */
export function usageCsv(records: readonly UsageRecord[]): string {
  const header = ['key', 'account', 'app_id', 'app', 'kind', 'process_type', 'size', 'start', 'end', 'seconds', 'requests', 'bytes'];
  const rows = records.map((r) => [r.key, r.account, r.appId, r.appName, r.kind, r.processType, r.size, r.start, r.end, r.seconds, r.requests ?? null, r.bytes ?? null].map(csvField).join(','));
  return `${[header.join(','), ...rows].join('\r\n')}\r\n`;
}
