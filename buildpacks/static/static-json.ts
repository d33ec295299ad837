// static.json, the file of Heroku's static buildpack, parsed and checked (pure). Every value
// ends up in nginx's configuration, so each is held to what nginx can take safely: paths as
// globs of plain URL characters, header values without control characters, known statuses.
import { posix } from 'node:path';
import { z } from 'zod';
import { BuildError } from '../errors.js';

export const STATIC_JSON = 'static.json';

/** `/`, then URL path characters; `*` matches within a segment, `**` across segments. */
const GLOB = /^\/[A-Za-z0-9._~!+,=:@*/-]*$/;
/** A file under the site's root, written with or without a leading `/`. */
const FILE = /^\/?[A-Za-z0-9._~!+,=:@/-]+$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f]*$/;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;

const glob = z.string().regex(GLOB, 'must be a path starting with "/" made of letters, digits, . _ ~ ! + , = : @ - / and the wildcards * and **');
const file = z
  .string()
  .regex(FILE, 'must be a file path made of letters, digits, . _ ~ ! + , = : @ - /')
  .refine((path) => !path.split('/').includes('..'), 'must stay inside the site (no "..")')
  .transform((path) => (path.startsWith('/') ? path : `/${path}`));

const schema = z.strictObject({
  root: z
    .string()
    .regex(/^[A-Za-z0-9._~!+,=:@/-]+$/, 'must be a directory of the app, e.g. "dist/"')
    .refine((path) => !path.startsWith('/'), 'must be relative to the app, e.g. "dist/"')
    .refine((path) => !path.split('/').includes('..'), 'must stay inside the app (no "..")')
    .transform((path) => posix.normalize(path).replace(/\/+$/, '') || '.')
    .optional(),
  clean_urls: z.boolean().optional(),
  https_only: z.boolean().optional(),
  error_page: file.optional(),
  routes: z.record(glob, file).optional(),
  redirects: z
    .record(
      glob,
      z.strictObject({
        url: z
          .string()
          .min(1)
          .regex(/^(https?:\/\/|\/)[^\s"'\\{};]*$/, 'must be a path starting with "/" or an http(s) URL, without spaces, quotes, \\, {, } or ;'),
        status: z
          .number()
          .refine((status) => (REDIRECT_STATUSES as readonly number[]).includes(status), `must be one of ${REDIRECT_STATUSES.join(', ')}`)
          .optional(),
      }),
    )
    .optional(),
  headers: z
    .record(
      glob,
      z.record(
        z.string().regex(HEADER_NAME, 'header names are letters, digits and "-"'),
        z.string().max(4096).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters (such as line breaks)'),
      ),
    )
    .optional(),
});

export interface Redirect {
  url: string;
  status: number;
}

/** static.json after checking, with defaults filled in (`root` stays unset: the plan picks one). */
export interface StaticConfig {
  /** relative to the app, normalized, without a trailing `/` (`.` for the app itself) */
  root?: string;
  cleanUrls: boolean;
  httpsOnly: boolean;
  /** a file under root, with a leading `/` */
  errorPage?: string;
  /** glob → file (leading `/`), in the file's order */
  routes: [string, string][];
  redirects: [string, Redirect][];
  /** glob → header name → value, in the file's order */
  headers: [string, [string, string][]][];
}

export const EMPTY_STATIC_CONFIG: StaticConfig = { cleanUrls: false, httpsOnly: false, routes: [], redirects: [], headers: [] };

/** `headers["/assets/**"]["Cache-Control"]`: the field as a user finds it in the file. */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the whole file)';
  const [first, ...rest] = path;
  return `${String(first)}${rest.map((key) => `[${JSON.stringify(String(key))}]`).join('')}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? ` in ${fieldName(issue.path)}` : '';
    const known = issue.path.length === 0 ? ` (Slipway knows ${Object.keys(schema.shape).join(', ')})` : '';
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}${where}${known}`;
  }
  // a bad key of a record (a glob, a header name): its own check's message says what is wrong
  if (issue.code === 'invalid_key') return `${fieldName(issue.path)}: ${issue.issues[0]?.message ?? issue.message}`;
  if (issue.code === 'invalid_type') return `${fieldName(issue.path)}: must be ${issue.expected === 'record' ? 'an object' : issue.expected}`;
  return `${fieldName(issue.path)}: ${issue.message}`;
}

/** Parses the text of static.json, or throws a BuildError naming every bad field. */
export function parseStaticJson(text: string): StaticConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BuildError(`static.json is not valid JSON: ${(err as Error).message}.`, {
      outputTail: ['Fix static.json (see the static buildpack\'s README for its fields) and push again.'],
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map(describeIssue);
    throw new BuildError(`static.json is invalid: ${problems.join('; ')}.`, {
      outputTail: ['Fix static.json (see the static buildpack\'s README for its fields) and push again.'],
    });
  }
  const data = result.data;
  return {
    ...(data.root !== undefined ? { root: data.root } : {}),
    cleanUrls: data.clean_urls ?? false,
    httpsOnly: data.https_only ?? false,
    ...(data.error_page !== undefined ? { errorPage: data.error_page } : {}),
    routes: Object.entries(data.routes ?? {}),
    redirects: Object.entries(data.redirects ?? {}).map(([path, r]) => [path, { url: r.url, status: r.status ?? 301 }]),
    headers: Object.entries(data.headers ?? {}).map(([path, values]) => [path, Object.entries(values)]),
  };
}
