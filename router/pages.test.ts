import { describe, expect, it } from 'vitest';
import { PAGES, pageKey, pageMapEntries, renderPage, renderPageMap, viaPseudonym } from './pages.js';

describe('pages', () => {
  it('renders HTML with the brand, the code and the request id, escaped', () => {
    const html = renderPage(PAGES.noWebInstances, 'html', { brand: 'Acme <Cloud>', requestId: 'req-1' });
    expect(html).toContain('<strong>Acme &lt;Cloud&gt;</strong>');
    expect(html).toContain('Error H14 (HTTP 503)');
    expect(html).toContain('<code>req-1</code>');
    expect(html).not.toMatch(/[\n#]/);
  });

  it('renders JSON', () => {
    expect(JSON.parse(renderPage(PAGES.responseTimeout, 'json', { brand: 'Acme', requestId: 'req-2' }))).toEqual({
      id: 'H12',
      status: 504,
      title: 'Request timeout',
      message: 'The app did not answer within the time limit.',
      request_id: 'req-2',
      platform: 'Acme',
    });
  });

  it('splits every page around its request id for HAProxy, so pre + id + post is the page', () => {
    const entries = pageMapEntries('Acme');
    for (const page of Object.values(PAGES)) {
      expect(`${entries.get(`${pageKey(page)}-pre`)}ID${entries.get(`${pageKey(page)}-post`)}`).toBe(renderPage(page, 'html', { brand: 'Acme', requestId: 'ID' }));
      expect(`${entries.get(`${pageKey(page)}-pre-json`)}ID${entries.get(`${pageKey(page)}-post-json`)}`).toBe(renderPage(page, 'json', { brand: 'Acme', requestId: 'ID' }));
    }
    const map = renderPageMap('Acme');
    expect(map.split('\n').filter(Boolean).every((line) => /^\d{3}[A-Z0-9_]+-(pre|post)(-json)? \S/.test(line))).toBe(true);
  });

  it('turns the brand into a Via pseudonym', () => {
    expect(viaPseudonym('Acme Cloud!')).toBe('acme-cloud!');
    expect(viaPseudonym('  ')).toBe('slipway');
  });
});
