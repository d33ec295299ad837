import { describe, expect, it } from 'vitest';
import type { Buildpack } from './buildpack.js';
import { detectBuildpack, NO_BUILDPACK_REASON, noBuildpackHint } from './detect.js';
import { BUILDPACKS } from './list.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';
import { PROCFILE_BUILDPACK } from './procfile/index.js';

describe('detectBuildpack', () => {
  it('detects Node.js from a package.json at the root', () => {
    expect(detectBuildpack(new Set(['package.json', 'server.js']))).toBe(NODEJS_BUILDPACK);
  });

  it('detects a static site from static.json, before Node.js (which then builds it), or from a lone index.html', () => {
    expect(detectBuildpack(new Set(['package.json', 'static.json', 'index.html']))?.id).toBe('slipway/static');
    expect(detectBuildpack(new Set(['static.json', 'public']))?.id).toBe('slipway/static');
    expect(detectBuildpack(new Set(['index.html', 'style.css']))?.id).toBe('slipway/static');
    // a Node app with an index.html (Vite's source) and no static.json stays a Node.js app
    expect(detectBuildpack(new Set(['package.json', 'index.html']))).toBe(NODEJS_BUILDPACK);
    // a Procfile is not a language: an index.html beside it is still a site (the Procfile's web wins)
    expect(detectBuildpack(new Set(['Procfile', 'index.html']))?.id).toBe('slipway/static');
  });

  it('takes a bare Procfile as a Procfile-only app, after every language', () => {
    expect(detectBuildpack(new Set(['Procfile', 'server.pl']))).toBe(PROCFILE_BUILDPACK);
    expect(detectBuildpack(new Set(['Procfile', 'package.json']))).toBe(NODEJS_BUILDPACK);
    expect(BUILDPACKS.at(-1)).toBe(PROCFILE_BUILDPACK);
  });

  it('detects nothing without one (a nested package.json does not count)', () => {
    expect(detectBuildpack(new Set(['README.md', 'web']))).toBeNull();
    expect(detectBuildpack(new Set())).toBeNull();
  });

  it('takes the first buildpack that detects, in order', () => {
    const everything: Buildpack = { id: 'x/any', language: 'Any', needs: 'nothing', detect: () => true, build: async () => Promise.reject(new Error('not here')) };
    expect(detectBuildpack(new Set(['package.json']), [everything, NODEJS_BUILDPACK])).toBe(everything);
  });

  it('fails in Heroku\'s words, with a hint naming what is supported', () => {
    expect(NO_BUILDPACK_REASON).toBe('No default language could be detected for this app.');
    expect(noBuildpackHint().join('\n')).toContain('package.json');
    expect(noBuildpackHint().join('\n')).toContain('Ruby, PHP and other languages have no built-in buildpack');
  });
});

describe('the buildpack list', () => {
  it('has unique ids, each with a language and what it needs', () => {
    expect(new Set(BUILDPACKS.map((b) => b.id)).size).toBe(BUILDPACKS.length);
    for (const buildpack of BUILDPACKS) {
      expect(buildpack.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
      expect(buildpack.language).not.toBe('');
      expect(noBuildpackHint().join('\n')).toContain(`${buildpack.language} (${buildpack.id}), which needs ${buildpack.needs}`);
    }
  });
});
