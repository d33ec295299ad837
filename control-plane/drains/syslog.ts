// Pure: an app's log line as a drain receives it, RFC 5424 (syslog) framed by octet counting
// (RFC 6587), as Heroku's logplex sends it: the drain's token is the HOSTNAME, `app` or
// `slipway` the APP-NAME, the process (`web.1`, `router`) the PROCID.
import type { LogLine } from '../../common/protocol.js';

/** Facility and severity per source (Heroku uses local0, local3 and local7; severity info). */
const PRIORITY: Record<LogLine['source'], number> = {
  app: 23 * 8 + 6, // local7.info: <190>
  router: 19 * 8 + 6, // local3.info: <158>
  slipway: 16 * 8 + 6, // local0.info: <134>
};

/** A message is cut at this many bytes (logplex cuts lines at 10,000). */
export const MAX_MESSAGE_BYTES = 10_000;

/** RFC 5424 header fields are printable US-ASCII without spaces, of bounded length. */
function headerField(value: string, maxLength: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return printable === '' ? '-' : printable;
}

/** RFC 3339 as RFC 5424 wants it (at most 6 fractional digits); now when `at` is not a time. */
function timestamp(at: string, now: () => Date): string {
  const ms = Date.parse(at);
  return (Number.isNaN(ms) ? now() : new Date(ms)).toISOString();
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // back up over continuation bytes (10xxxxxx) so the cut falls between characters
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** One RFC 5424 message (no framing). */
export function syslogMessage(line: LogLine, drainToken: string, options: { maxBytes?: number; now?: () => Date } = {}): string {
  const appName = line.source === 'app' ? 'app' : 'slipway';
  const header = `<${PRIORITY[line.source]}>1 ${timestamp(line.at, options.now ?? (() => new Date()))} ${headerField(drainToken, 255)} ${appName} ${headerField(line.process, 128)} - - `;
  const text = line.line.replace(/\r?\n$/, '');
  return header + cutUtf8(text, Math.max(0, (options.maxBytes ?? MAX_MESSAGE_BYTES) - Buffer.byteLength(header)));
}

/** RFC 6587 octet counting: `<length in bytes> <message>`. */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}
