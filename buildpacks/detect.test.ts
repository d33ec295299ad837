import { describe, expect, it } from 'vitest';
import { detectBuildpack, NO_BUILDPACK_REASON, noBuildpackHint, NODEJS_BUILDPACK, type BuildpackDetector } from './detect.js';

describe('detectBuildpack', () => {
  it('detects Node.js from a package.json at the root', () => {
    expect(detectBuildpack(new Set(['package.json', 'server.js']))).toBe(NODEJS_BUILDPACK);
  });

  it('detects nothing without one (a nested package.json does not count)', () => {
    expect(detectBuildpack(new Set(['README.md', 'web']))).toBeNull();
    expect(detectBuildpack(new Set())).toBeNull();
  });

  it('takes the first buildpack that detects, in order', () => {
    const everything: BuildpackDetector = { id: 'x/any', language: 'Any', detect: () => true };
    expect(detectBuildpack(new Set(['package.json']), [everything, NODEJS_BUILDPACK])).toBe(everything);
  });

  it('fails in Heroku\'s words, with a hint naming what is supported', () => {
    expect(NO_BUILDPACK_REASON).toBe('No default language could be detected for this app.');
    expect(noBuildpackHint().join('\n')).toContain('package.json');
  });
});
