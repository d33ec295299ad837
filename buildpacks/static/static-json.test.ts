import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { parseStaticJson } from './static-json.js';

function problem(text: string): string {
  try {
    parseStaticJson(text);
  } catch (err) {
    expect(err).toBeInstanceOf(BuildError);
    return (err as BuildError).reason;
  }
  throw new Error('parsed without an error');
}

describe('parseStaticJson', () => {
  it('reads every field, in the file order, with defaults filled in', () => {
    const config = parseStaticJson(
      JSON.stringify({
        root: 'dist/',
        clean_urls: true,
        https_only: true,
        error_page: '404.html',
        routes: { '/app/**': 'app.html', '/**': '/index.html' },
        redirects: { '/old': { url: '/new' }, '/gone/*': { url: 'https://example.com/', status: 302 } },
        headers: { '/**': { 'X-Frame-Options': 'DENY' }, '/assets/**': { 'Cache-Control': 'public, max-age=60', 'X-Asset': 'yes' } },
      }),
    );
    expect(config).toEqual({
      root: 'dist',
      cleanUrls: true,
      httpsOnly: true,
      errorPage: '/404.html',
      routes: [['/app/**', '/app.html'], ['/**', '/index.html']],
      redirects: [['/old', { url: '/new', status: 301 }], ['/gone/*', { url: 'https://example.com/', status: 302 }]],
      headers: [['/**', [['X-Frame-Options', 'DENY']]], ['/assets/**', [['Cache-Control', 'public, max-age=60'], ['X-Asset', 'yes']]]],
    });
  });

  it('takes an empty object: nothing set, root left to the plan', () => {
    expect(parseStaticJson('{}')).toEqual({ cleanUrls: false, httpsOnly: false, routes: [], redirects: [], headers: [] });
  });

  it('normalizes root: "./" and "." are the app, "public//" is public', () => {
    expect(parseStaticJson('{"root":"./"}').root).toBe('.');
    expect(parseStaticJson('{"root":"."}').root).toBe('.');
    expect(parseStaticJson('{"root":"public//"}').root).toBe('public');
    expect(parseStaticJson('{"root":"site/build"}').root).toBe('site/build');
  });

  it('says when the file is not JSON', () => {
    expect(problem('{"root": "dist",}')).toMatch(/^static\.json is not valid JSON: /);
  });

  it('names an unknown field and lists the known ones', () => {
    expect(problem('{"proxies": {}}')).toBe(
      'static.json is invalid: unknown field "proxies" (Slipway knows root, clean_urls, https_only, error_page, routes, redirects, headers).',
    );
  });

  it('names a field of the wrong type', () => {
    expect(problem('{"clean_urls": "yes"}')).toBe('static.json is invalid: clean_urls: must be boolean.');
    expect(problem('{"headers": []}')).toBe('static.json is invalid: headers: must be an object.');
    expect(problem('[]')).toBe('static.json is invalid: (the whole file): must be object.');
  });

  it('refuses a root outside the app', () => {
    expect(problem('{"root": "/var/www"}')).toBe('static.json is invalid: root: must be relative to the app, e.g. "dist/".');
    expect(problem('{"root": "../secrets"}')).toBe('static.json is invalid: root: must stay inside the app (no "..").');
  });

  it('names a bad header by its path and name', () => {
    expect(problem(JSON.stringify({ headers: { '/**': { 'X-Evil': 'a\nSet-Cookie: b' } } }))).toBe(
      'static.json is invalid: headers["/**"]["X-Evil"]: must not contain control characters (such as line breaks).',
    );
    expect(problem(JSON.stringify({ headers: { '/**': { 'Bad Name': 'x' } } }))).toContain('headers["/**"]["Bad Name"]: header names are letters, digits and "-"');
    expect(problem(JSON.stringify({ headers: { 'assets/*': { 'X-A': 'x' } } }))).toContain('headers["assets/*"]: must be a path starting with "/"');
  });

  it('refuses route targets outside the site and globs nginx could misread', () => {
    expect(problem(JSON.stringify({ routes: { '/**': '../app.js' } }))).toBe('static.json is invalid: routes["/**"]: must stay inside the site (no "..").');
    expect(problem(JSON.stringify({ routes: { '/{a}': 'index.html' } }))).toContain('routes["/{a}"]: must be a path starting with "/"');
    expect(problem(JSON.stringify({ routes: { '/a"b': 'index.html' } }))).toContain('routes["/a\\"b"]');
  });

  it('checks redirects: a known status, a URL without characters nginx would misread, no unknown fields', () => {
    expect(problem(JSON.stringify({ redirects: { '/a': { url: '/b', status: 200 } } }))).toBe(
      'static.json is invalid: redirects["/a"]["status"]: must be one of 301, 302, 303, 307, 308.',
    );
    expect(problem(JSON.stringify({ redirects: { '/a': { url: 'javascript:alert(1)' } } }))).toContain('redirects["/a"]["url"]: must be a path starting with "/" or an http(s) URL');
    expect(problem(JSON.stringify({ redirects: { '/a': { url: '/b; return 200' } } }))).toContain('redirects["/a"]["url"]');
    expect(problem(JSON.stringify({ redirects: { '/a': { to: '/b' } } }))).toContain('unknown field "to" in redirects["/a"]');
  });

  it('lists every problem at once', () => {
    expect(problem('{"clean_urls": 1, "https_only": "no"}')).toBe('static.json is invalid: clean_urls: must be boolean; https_only: must be boolean.');
  });
});
