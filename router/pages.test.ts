import { describe, expect, it } from 'vitest';
import { brandOf } from '../common/brand.js';
import { PAGES, pageKey, pageMapEntries, renderPage, renderPageMap, viaPseudonym, type PageBrand } from './pages.js';

const plain = (name: string): PageBrand => {
  const { colors, logoUrl, supportUrl } = brandOf({ name });
  return { name, colors, logoUrl, supportUrl };
};
const acme: PageBrand = {
  name: 'Acme Cloud',
  colors: { primary: '#ff6600', background: '#101010', text: '#fafafa' },
  logoUrl: 'https://acme.example/logo.svg#mark',
  supportUrl: 'https://help.acme.example/?q="x"',
};

describe('pages', () => {
  it('renders HTML with the brand, the code and the request id, escaped', () => {
    const html = renderPage(PAGES.noWebInstances, 'html', { brand: plain('Acme <Cloud>'), requestId: 'req-1' });
    expect(html).toContain('<strong>Acme &lt;Cloud&gt;</strong>');
    expect(html).toContain('Error H14 (HTTP 503)');
    expect(html).toContain('<code>req-1</code>');
    expect(html).not.toMatch(/[\n#]/);
    expect(html).not.toMatch(/<img|support/);
  });

  it('carries the provider’s colours, logo and support link, with no "#" (HAProxy maps)', () => {
    const html = renderPage(PAGES.maintenance, 'html', { brand: acme, requestId: 'req-3' });
    expect(html).toContain('color:rgb(250,250,250);background:rgb(16,16,16)');
    expect(html).toContain('.brand,a{color:rgb(255,102,0)}');
    expect(html).toContain('<img src="https://acme.example/logo.svg" alt="" height="32"> <strong>Acme Cloud</strong>');
    expect(html).toContain('<a href="https://help.acme.example/?q=%22x%22">Contact Acme Cloud support</a>');
    expect(html).not.toMatch(/[\n#]/);
    expect(JSON.parse(renderPage(PAGES.maintenance, 'json', { brand: acme, requestId: 'req-3' })).support_url).toBe(acme.supportUrl);
  });

  it('renders JSON', () => {
    expect(JSON.parse(renderPage(PAGES.responseTimeout, 'json', { brand: plain('Acme'), requestId: 'req-2' }))).toEqual({
      id: 'H12',
      status: 504,
      title: 'Request timeout',
      message: 'The app did not answer within the time limit.',
      request_id: 'req-2',
      platform: 'Acme',
    });
  });

  it('splits every page around its request id for HAProxy, so pre + id + post is the page', () => {
    for (const brand of [plain('Acme'), acme]) {
      const entries = pageMapEntries(brand);
      for (const page of Object.values(PAGES)) {
        expect(`${entries.get(`${pageKey(page)}-pre`)}ID${entries.get(`${pageKey(page)}-post`)}`).toBe(renderPage(page, 'html', { brand, requestId: 'ID' }));
        expect(`${entries.get(`${pageKey(page)}-pre-json`)}ID${entries.get(`${pageKey(page)}-post-json`)}`).toBe(renderPage(page, 'json', { brand, requestId: 'ID' }));
      }
      const map = renderPageMap(brand);
      expect(map.split('\n').filter(Boolean).every((line) => /^\d{3}[A-Z0-9_]+-(pre|post)(-json)? \S/.test(line))).toBe(true);
    }
  });

  it('turns the brand into a Via pseudonym', () => {
    expect(viaPseudonym('Acme Cloud!')).toBe('acme-cloud!');
    expect(viaPseudonym('  ')).toBe('slipway');
  });
});
