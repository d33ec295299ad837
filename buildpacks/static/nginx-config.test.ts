import { describe, expect, it } from 'vitest';
import { globToRegex, nginxString, renderNginxConfig } from './nginx-config.js';
import { EMPTY_STATIC_CONFIG, parseStaticJson, type StaticConfig } from './static-json.js';

const render = (config: Partial<StaticConfig> = {}, root = '/app/dist') => renderNginxConfig({ config: { ...EMPTY_STATIC_CONFIG, ...config }, root });
const matches = (glob: string, path: string) => new RegExp(globToRegex(glob)).test(path);

describe('globToRegex', () => {
  it('anchors, lets ** span segments and * stay within one', () => {
    expect(globToRegex('/about')).toBe('^/about$');
    expect(matches('/**', '/')).toBe(true);
    expect(matches('/**', '/a/b/c')).toBe(true);
    expect(matches('/assets/**', '/assets')).toBe(true);
    expect(matches('/assets/**', '/assets/js/app.js')).toBe(true);
    expect(matches('/assets/**', '/assetsx')).toBe(false);
    expect(matches('/docs/*', '/docs/intro')).toBe(true);
    expect(matches('/docs/*', '/docs/intro/more')).toBe(false);
    expect(matches('/*.html', '/index.html')).toBe(true);
    expect(matches('/*.html', '/indexxhtml')).toBe(false);
  });
});

describe('nginxString', () => {
  it('quotes, escapes quotes and backslashes, and writes $ through the $dollar variable', () => {
    expect(nginxString('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(nginxString("default-src 'self' $x")).toBe('"default-src \'self\' ${dollar}x"');
    expect(() => nginxString('a\nb')).toThrow(/control characters/);
  });
});

describe('renderNginxConfig', () => {
  it('runs unprivileged: pid, temp paths and the listen line under /tmp, logs to stdout and stderr, no user directive', () => {
    const conf = render();
    expect(conf).toContain('pid /tmp/slipway-nginx/nginx.pid;');
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(conf).toContain(`${kind}_temp_path /tmp/slipway-nginx/${kind};`);
    expect(conf).toContain('include /tmp/slipway-nginx/listen.conf;');
    expect(conf).toContain('error_log stderr warn;');
    expect(conf).toContain('access_log /dev/stdout slipway;');
    expect(conf).toContain('daemon off;');
    expect(conf).not.toMatch(/^\s*user\s/m);
    expect(conf).not.toMatch(/^\s*listen\s/m);
  });

  it('compresses on the fly and sends precompressed .gz files', () => {
    const conf = render();
    expect(conf).toContain('gzip on;');
    expect(conf).toContain('gzip_static on;');
    expect(conf).toContain('gzip_proxied any;');
    expect(conf).toMatch(/gzip_types [^;]*application\/javascript/);
    expect(conf).toMatch(/gzip_types [^;]*text\/css/);
  });

  it('serves the root with index.html, files only (=404), and hides dotfiles but .well-known', () => {
    const conf = render();
    expect(conf).toContain('root "/app/dist";');
    expect(conf).toContain('index index.html;');
    expect(conf).toContain('location / {\n            try_files $uri $uri/ =404;\n        }');
    const dotfiles = /location ~ "([^"]+)" \{\n\s+return 404;/.exec(conf)![1]!;
    expect(new RegExp(dotfiles).test('/.env')).toBe(true);
    expect(new RegExp(dotfiles).test('/sub/.git/config')).toBe(true);
    expect(new RegExp(dotfiles).test('/.well-known/security.txt')).toBe(false);
    expect(new RegExp(dotfiles).test('/app.js')).toBe(false);
  });

  it('hides static.json and the Procfile when the app itself is the root', () => {
    expect(render({}, '/app')).toContain('location = /static.json {\n            return 404;');
    expect(render({}, '/app')).toContain('location = /Procfile {');
    expect(render({}, '/app/dist')).not.toContain('location = /static.json');
  });

  it('tries path.html with clean URLs', () => {
    expect(render({ cleanUrls: true })).toContain('try_files $uri $uri.html $uri/ =404;');
  });

  it('falls back to a route target for paths that are not files (SPA)', () => {
    const conf = render(parseStaticJson('{"routes": {"/**": "index.html"}}'));
    expect(conf).toContain('location ~ "^(?:/.*)?$" {\n            try_files $uri $uri/ /index.html;\n        }');
    // the route comes before the catch-all location, and after the dotfile rule
    expect(conf.indexOf('"^(?:/.*)?$"')).toBeGreaterThan(conf.indexOf('well-known'));
  });

  it('gives hashed assets a year, immutable, and HTML no-cache, through one map', () => {
    const conf = render();
    const map = /map \$uri (\$slipway_header_\d+) \{\n([\s\S]*?)\n\s*\}/.exec(conf)!;
    expect(conf).toContain(`add_header Cache-Control ${map[1]} always;`);
    const entries = [...map[2]!.matchAll(/"~([^"]+)" "([^"]*)";/g)].map((m) => [m[1]!, m[2]!] as const);
    const cacheControl = (path: string) => entries.find(([regex]) => new RegExp(regex).test(path))?.[1] ?? '';
    expect(cacheControl('/assets/index-BX3a9_kq.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControl('/assets/index.4f2a9c1be0.css')).toBe('public, max-age=31536000, immutable');
    expect(cacheControl('/assets/logo.png')).toBe('');
    expect(cacheControl('/app.js')).toBe('');
    expect(cacheControl('/index.html')).toBe('no-cache');
    expect(cacheControl('/docs/about.html')).toBe('no-cache');
  });

  it('adds static.json headers per glob, the first matching glob winning, and lets its Cache-Control go first', () => {
    const conf = render(
      parseStaticJson(
        JSON.stringify({
          headers: {
            '/assets/**': { 'Cache-Control': 'public, max-age=60', 'X-Kind': 'asset' },
            '/**': { 'X-Kind': 'page', 'X-Frame-Options': 'DENY' },
          },
        }),
      ),
    );
    const maps = [...conf.matchAll(/map \$uri (\$slipway_header_\d+) \{\n([\s\S]*?)\n\s*\}/g)].map((m) => ({
      variable: m[1]!,
      entries: [...m[2]!.matchAll(/"~([^"]+)" "([^"]*)";/g)].map((e) => [e[1]!, e[2]!] as const),
    }));
    const header = (name: string, path: string) => {
      const variable = new RegExp(`add_header ${name} (\\$slipway_header_\\d+) always;`).exec(conf)![1];
      const map = maps.find((m) => m.variable === variable)!;
      return map.entries.find(([regex]) => new RegExp(regex).test(path))?.[1] ?? '';
    };
    expect(header('X-Kind', '/assets/a.js')).toBe('asset');
    expect(header('X-Kind', '/about')).toBe('page');
    expect(header('X-Frame-Options', '/assets/a.js')).toBe('DENY');
    expect(header('Cache-Control', '/assets/app-abcdef12.js')).toBe('public, max-age=60');
    expect(header('Cache-Control', '/index.html')).toBe('no-cache');
    expect(conf.match(/add_header Cache-Control/g)).toHaveLength(1);
  });

  it('writes redirects before routes, with their status', () => {
    const conf = render(parseStaticJson('{"redirects": {"/old/**": {"url": "/new", "status": 308}}, "routes": {"/**": "index.html"}}'));
    expect(conf).toContain('location ~ "^/old(?:/.*)?$" {\n            return 308 "/new";\n        }');
    expect(conf.indexOf('return 308')).toBeLessThan(conf.indexOf('/index.html;'));
  });

  it('redirects plain HTTP (as the router saw it) to HTTPS with https_only', () => {
    expect(render({ httpsOnly: true })).toContain('if ($http_x_forwarded_proto = "http") {\n            return 301 https://$host$request_uri;');
    expect(render()).not.toContain('x_forwarded_proto');
  });

  it('serves the error page for a 404', () => {
    expect(render({ errorPage: '/404.html' })).toContain('error_page 404 "/404.html";');
    expect(render()).not.toContain('error_page');
  });

  it('writes a header value with $ and quotes so nginx reads it literally', () => {
    const conf = render(parseStaticJson(JSON.stringify({ headers: { '/**': { 'X-Note': 'costs $5, "cheap"' } } })));
    expect(conf).toContain('"costs ${dollar}5, \\"cheap\\"";');
    expect(conf).toContain('geo $dollar {\n        default "$";\n    }');
  });
});
