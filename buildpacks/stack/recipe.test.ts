import { describe, expect, it } from 'vitest';
import { aptSources, canonicalJson, DEFAULT_STACK_RECIPE, dpkgExcludes, recipeHash, stackImageNames, userEntries } from './recipe.js';

describe('stack recipe', () => {
  it('hashes equal recipes equally whatever their key order', () => {
    const reordered = Object.fromEntries(Object.entries(DEFAULT_STACK_RECIPE).reverse()) as typeof DEFAULT_STACK_RECIPE;
    expect(recipeHash(reordered)).toBe(recipeHash(DEFAULT_STACK_RECIPE));
    expect(recipeHash(DEFAULT_STACK_RECIPE)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('changes the hash (and so the images) when any ingredient changes', () => {
    const base = recipeHash(DEFAULT_STACK_RECIPE);
    expect(recipeHash({ ...DEFAULT_STACK_RECIPE, buildPackages: [...DEFAULT_STACK_RECIPE.buildPackages, 'pkg-config'] })).not.toBe(base);
    expect(recipeHash({ ...DEFAULT_STACK_RECIPE, revision: DEFAULT_STACK_RECIPE.revision + 1 })).not.toBe(base);
    expect(recipeHash({ ...DEFAULT_STACK_RECIPE, mirror: 'http://mirror.example/debian' })).not.toBe(base);
  });

  it('serialises canonically', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: null, skipped: undefined })).toBe('{"a":null,"b":[2,{"c":"x","d":1}]}');
  });

  it('names both images by the hash', () => {
    expect(stackImageNames('abc123def456')).toEqual({
      runImage: 'slipway/stack-run:abc123def456',
      buildImage: 'slipway/stack-build:abc123def456',
    });
  });

  it('configures updates and security updates from the mirrors', () => {
    expect(aptSources(DEFAULT_STACK_RECIPE)).toBe(
      [
        'deb http://deb.debian.org/debian bookworm main',
        'deb http://deb.debian.org/debian bookworm-updates main',
        'deb http://deb.debian.org/debian-security bookworm-security main',
        '',
      ].join('\n'),
    );
  });

  it('tells dpkg to skip documentation and translations but keep copyright files', () => {
    const config = dpkgExcludes(DEFAULT_STACK_RECIPE);
    expect(config).toContain('path-exclude=/usr/share/doc/*\n');
    expect(config).toContain('path-exclude=/usr/share/locale/*\n');
    expect(config).toContain('path-include=/usr/share/doc/*/copyright\n');
  });

  it('declares the app user with uid/gid 1000 and home /app', () => {
    expect(userEntries(DEFAULT_STACK_RECIPE.user)).toEqual({
      passwd: 'slipway:x:1000:1000::/app:/bin/bash\n',
      group: 'slipway:x:1000:\n',
      shadow: 'slipway:*:19000:0:99999:7:::\n',
    });
  });
});
