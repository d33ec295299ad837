import { describe, expect, it } from 'vitest';
import { featureTable } from './features.js';

describe('features', () => {
  it('lists each feature with whether it is on', () => {
    const feature = (name: string, enabled: boolean) => ({ id: name, name, display_name: name, description: `${name} does it`, doc_url: '', enabled, state: 'general' as const, feedback_email: null, created_at: '', updated_at: '' });
    const lines = featureTable('shop', [feature('http-to-https', true), feature('hsts', false)]);
    expect(lines[0]).toBe('=== App Features shop');
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^\[\+\]\s+http-to-https\s+http-to-https does it$/), expect.stringMatching(/^\[ \]\s+hsts\s+hsts does it$/)]);
  });
});
