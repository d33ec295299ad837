// nginx's configuration for a static site, from static.json (pure). nginx runs as the app
// user: nothing here needs root. Everything it writes goes under RUN_DIR (/tmp) or to
// stdout/stderr, and the port is the one line written at start (RUN_DIR/listen.conf), so the
// rest is fixed at build time and checked there with `nginx -t`.
import type { StaticConfig } from './static-json.js';

/** Where nginx keeps its pid, temp files and the `listen` line: writable by the app user. */
export const RUN_DIR = '/tmp/slipway-nginx';
export const LISTEN_FILE = `${RUN_DIR}/listen.conf`;

/** Compressed when asked for (gzip_types; text/html always is). */
const GZIP_TYPES = [
  'text/css',
  'text/plain',
  'text/xml',
  'text/javascript',
  'application/javascript',
  'application/json',
  'application/manifest+json',
  'application/xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/wasm',
  'image/svg+xml',
  'font/ttf',
  'font/otf',
];

/** Built tools (Vite, webpack, Parcel) put a content hash in asset names: such a file never changes. */
export const HASHED_ASSET = '^/assets/.*[.-][A-Za-z0-9_-]{8,}\\.[A-Za-z0-9]+$';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** HTML is revalidated on every visit, so a deploy is seen at once (with ETag, it costs a 304). */
export const HTML_CACHE = 'no-cache';

/** Pure: a static.json glob as an anchored regex: `**` spans segments, `*` stays within one. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      // `/**` also matches the directory itself: `/assets/**` takes `/assets` and `/assets/x/y`
      if (out.endsWith('/')) out = `${out.slice(0, -1)}(?:/.*)?`;
      else out += '.*';
      i++;
    } else if (char === '*') out += '[^/]*';
    else out += /[.+()=!:,]/.test(char) ? `\\${char}` : char;
  }
  return `^${out}$`;
}

/**
 * Pure: a value as an nginx quoted string. nginx has no escape for `$` (it starts a variable),
 * so a literal `$` is written as `${dollar}`, a variable that holds `$`.
 */
export function nginxString(value: string): string {
  if (/[\x00-\x1f\x7f]/.test(value)) throw new Error('control characters cannot be written into nginx configuration');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$/g, '${dollar}')}"`;
}

/** A regex for `location ~` and map keys: validated globs hold no quote, `$` nor `\\` but the escapes above. */
const quotedRegex = (regex: string) => `"${regex}"`;

export interface NginxInputs {
  config: StaticConfig;
  /** the site's directory in the image, e.g. /app/dist */
  root: string;
  /** nginx's mime.types from the stack's nginx package */
  mimeTypes?: string;
}

/**
 * Headers are set from one `map $uri` per header name (the first glob in static.json's order
 * that matches gives the value), because nginx's `add_header` in a location would drop the
 * server's. An empty value sends no header. Cache-Control falls back to the defaults.
 */
function headerMaps(config: StaticConfig): { maps: string[]; addHeaders: string[] } {
  const names = new Map<string, { canonical: string; entries: [string, string][] }>();
  for (const [glob, values] of config.headers) {
    for (const [name, value] of values) {
      const key = name.toLowerCase();
      const slot = names.get(key) ?? { canonical: name, entries: [] };
      slot.entries.push([globToRegex(glob), value]);
      names.set(key, slot);
    }
  }
  const cache = names.get('cache-control') ?? { canonical: 'Cache-Control', entries: [] };
  cache.entries.push([HASHED_ASSET, IMMUTABLE], ['\\.html$', HTML_CACHE]);
  names.set('cache-control', cache);

  const maps: string[] = [];
  const addHeaders: string[] = [];
  [...names.values()].forEach(({ canonical, entries }, index) => {
    const variable = `$slipway_header_${index}`;
    maps.push(
      [`map $uri ${variable} {`, '    default "";', ...entries.map(([regex, value]) => `    ${quotedRegex(`~${regex}`)} ${nginxString(value)};`), '}'].join('\n'),
    );
    addHeaders.push(`add_header ${canonical} ${variable} always;`);
  });
  return { maps, addHeaders };
}

/** The files tried for a path: itself, `<path>.html` with clean URLs, a directory's index. */
function tryFiles(config: StaticConfig, fallback: string): string {
  return ['$uri', ...(config.cleanUrls ? ['$uri.html'] : []), '$uri/', fallback].join(' ');
}

const indent = (lines: string[], by = '    ') => lines.map((line) => (line ? `${by}${line}`.replace(/\n/g, `\n${by}`) : line));

export function renderNginxConfig({ config, root, mimeTypes = '/etc/nginx/mime.types' }: NginxInputs): string {
  const { maps, addHeaders } = headerMaps(config);
  const locations: string[] = [];

  // Dotfiles (.env, .git…) are never served; .well-known is (ACME, security.txt…).
  locations.push('location ~ "/\\.(?!well-known(?:/|$))" {\n    return 404;\n}');
  if (root === '/app') locations.push('location = /static.json {\n    return 404;\n}', 'location = /Procfile {\n    return 404;\n}');
  for (const [glob, { url, status }] of config.redirects) {
    locations.push(`location ~ ${quotedRegex(globToRegex(glob))} {\n    return ${status} ${nginxString(url)};\n}`);
  }
  for (const [glob, target] of config.routes) {
    locations.push(`location ~ ${quotedRegex(globToRegex(glob))} {\n    try_files ${tryFiles(config, target)};\n}`);
  }
  locations.push(`location / {\n    try_files ${tryFiles(config, '=404')};\n}`);

  const server = [
    `include ${LISTEN_FILE};`,
    `root ${nginxString(root)};`,
    'index index.html;',
    // behind the router: redirects keep the client's scheme, host and port (relative Location)
    'absolute_redirect off;',
    ...(config.httpsOnly ? ['if ($http_x_forwarded_proto = "http") {\n    return 301 https://$host$request_uri;\n}'] : []),
    ...(config.errorPage ? [`error_page 404 ${nginxString(config.errorPage)};`] : []),
    ...addHeaders,
    ...locations,
  ];

  return [
    '# Generated by Slipway from static.json at build time; the port is included from the start script.',
    'daemon off;',
    'worker_processes 1;',
    `pid ${RUN_DIR}/nginx.pid;`,
    'error_log stderr warn;',
    'events {\n    worker_connections 1024;\n}',
    'http {',
    ...indent([
      `include ${mimeTypes};`,
      'default_type application/octet-stream;',
      'charset utf-8;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${RUN_DIR}/${kind};`),
      'log_format slipway \'method=$request_method path="$request_uri" status=$status bytes=$body_bytes_sent duration=${request_time}s\';',
      'access_log /dev/stdout slipway;',
      'server_tokens off;',
      'sendfile on;',
      'tcp_nopush on;',
      'keepalive_timeout 75s;',
      'gzip on;',
      // requests come through the router (which may add Via): compress them all the same
      'gzip_proxied any;',
      'gzip_vary on;',
      'gzip_comp_level 5;',
      'gzip_min_length 256;',
      `gzip_types ${GZIP_TYPES.join(' ')};`,
      // a precompressed file.gz beside file is sent as it is
      'gzip_static on;',
      'geo $dollar {\n    default "$";\n}',
      ...maps,
      'server {',
      ...indent(server),
      '}',
    ]),
    '}',
    '',
  ].join('\n');
}
