// The router's own responses: error pages in HTML or JSON that carry the brand (its name,
// colours, logo and support link), the request id and a short error code (Heroku's H-codes
// where they fit). Pure.
import type { Brand } from '../common/brand.js';

export type PageFormat = 'html' | 'json';

export interface ErrorPage {
  status: number;
  /** Sent as the `Platform-Error` header and shown on the page. */
  code: string;
  title: string;
  message: string;
}

export const PAGES = {
  noSuchApp: { status: 404, code: 'NO_SUCH_APP', title: 'No such app', message: 'There is no app configured at this hostname.' },
  noWebInstances: { status: 503, code: 'H14', title: 'Application unavailable', message: 'No web instance of this app is running.' },
  connectionRefused: { status: 503, code: 'H21', title: 'Application unavailable', message: 'The app did not accept the connection.' },
  badResponse: { status: 502, code: 'H13', title: 'Bad gateway', message: 'The app closed the connection without a valid response.' },
  responseTimeout: { status: 504, code: 'H12', title: 'Request timeout', message: 'The app did not answer within the time limit.' },
  badRequest: { status: 400, code: 'H26', title: 'Bad request', message: 'The request was malformed and was not passed to the app.' },
  requestTooLarge: { status: 413, code: 'H26', title: 'Request too large', message: 'The request was too large and was not passed to the app.' },
  clientTimeout: { status: 408, code: 'H28', title: 'Request timeout', message: 'The request was not received in time.' },
  maintenance: { status: 503, code: 'H80', title: 'Offline for maintenance', message: 'This app is undergoing maintenance right now. Please check back soon.' },
  internalError: { status: 500, code: 'H99', title: 'Internal error', message: 'The router could not handle this request.' },
} as const satisfies Record<string, ErrorPage>;

export type PageName = keyof typeof PAGES;

/** What of the brand the pages show. */
export type PageBrand = Pick<Brand, 'name' | 'colors' | 'logoUrl' | 'supportUrl'>;

export interface PageContext {
  brand: PageBrand;
  requestId: string;
}

/** `#rrggbb` as `rgb(r,g,b)`: map values must not hold '#'. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255})`;
}

/** A URL for the page, without its fragment (a map value must not hold '#'). */
function pageUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href.replace(/#/g, '%23');
}

export function renderPage(page: ErrorPage, format: PageFormat, context: PageContext): string {
  if (format === 'json') {
    return JSON.stringify({
      id: page.code,
      status: page.status,
      title: page.title,
      message: page.message,
      request_id: context.requestId,
      platform: context.brand.name,
      ...(context.brand.supportUrl ? { support_url: context.brand.supportUrl } : {}),
    });
  }
  const { colors, logoUrl, supportUrl } = context.brand;
  const brand = escapeHtml(context.brand.name);
  const title = escapeHtml(page.title);
  const logo = logoUrl ? `<img src="${escapeHtml(pageUrl(logoUrl))}" alt="" height="32"> ` : '';
  const support = supportUrl ? `<p><a href="${escapeHtml(pageUrl(supportUrl))}">Contact ${brand} support</a></p>` : '';
  // One line, no '#': HAProxy map values hold the page (see pageMapEntries).
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<title>${title} | ${brand}</title>`,
    `<style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:36rem;color:${rgb(colors.text)};background:${rgb(colors.background)}}`,
    `h1{font-size:1.5rem}small{opacity:0.7}.brand,a{color:${rgb(colors.primary)}}.brand img{vertical-align:middle}</style></head><body>`,
    `<p class="brand">${logo}<strong>${brand}</strong></p><h1>${title}</h1><p>${escapeHtml(page.message)}</p>`,
    `<p><small>Error ${escapeHtml(page.code)} (HTTP ${page.status}). Request id: <code>${escapeHtml(context.requestId)}</code></small></p>`,
    support,
    '</body></html>',
  ].join('');
}

const PLACEHOLDER = '\u0000request-id\u0000';

/**
 * Each page split around its request id, as entries of an HAProxy map (`<code>-pre`,
 * `<code>-post`, `-json` suffix for JSON): HAProxy's lf-string bodies look them up, so the
 * pages stay rendered by this module while HAProxy fills in the id per request.
 */
export function pageMapEntries(brand: PageBrand): Map<string, string> {
  const entries = new Map<string, string>();
  for (const page of Object.values(PAGES) as ErrorPage[]) {
    for (const format of ['html', 'json'] as const) {
      const body = renderPage(page, format, { brand, requestId: PLACEHOLDER });
      const [pre, post] = body.split(format === 'json' ? JSON.stringify(PLACEHOLDER).slice(1, -1) : escapeHtml(PLACEHOLDER));
      const suffix = format === 'json' ? '-json' : '';
      entries.set(`${pageKey(page)}-pre${suffix}`, pre ?? '');
      entries.set(`${pageKey(page)}-post${suffix}`, post ?? '');
    }
  }
  return entries;
}

/** A page's key in the map: codes alone are not unique (H26 is both 400 and 413). */
export function pageKey(page: ErrorPage): string {
  return `${page.status}${page.code}`;
}

/** The map file itself. */
export function renderPageMap(brand: PageBrand): string {
  const lines: string[] = [];
  for (const [key, value] of pageMapEntries(brand)) {
    if (/[\r\n]/.test(value) || value.trimStart().startsWith('#')) throw new Error(`page ${key} cannot be stored in a map`);
    lines.push(`${key} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `Via` pseudonym: the brand as an HTTP token. */
export function viaPseudonym(brand: string): string {
  const token = brand.toLowerCase().replace(/[^a-z0-9!#$%&'*+.^_`|~-]+/g, '-').replace(/^-+|-+$/g, '');
  return token.length > 0 ? token : 'slipway';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}
