import { describe, expect, it } from 'vitest';
import {
  aptSources,
  BOOKWORM_RECIPE,
  canonicalJson,
  DEFAULT_STACK_RECIPE,
  dpkgExcludes,
  recipeHash,
  STACK_RECIPES,
  stackImageNames,
  stackRecipe,
  TRIXIE_RECIPE,
  userEntries,
} from './recipe.js';

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

  it('has bookworm (the default) and trixie, each named by its suite, names unique', () => {
    expect(STACK_RECIPES.map((recipe) => recipe.name)).toEqual(['bookworm', 'trixie']);
    expect(DEFAULT_STACK_RECIPE).toBe(BOOKWORM_RECIPE);
    for (const recipe of STACK_RECIPES) expect(recipe.suite).toBe(recipe.name);
    expect(stackRecipe('trixie')).toBe(TRIXIE_RECIPE);
    expect(stackRecipe('bookworm')).toBe(BOOKWORM_RECIPE);
    expect(stackRecipe('sid')).toBeUndefined();
    expect(stackRecipe('Trixie')).toBeUndefined();
  });

  it('gives trixie the same ingredients as bookworm but its own suites, so its own images', () => {
    const differing = Object.keys(TRIXIE_RECIPE).filter(
      (key) => canonicalJson(TRIXIE_RECIPE[key as keyof typeof TRIXIE_RECIPE]) !== canonicalJson(BOOKWORM_RECIPE[key as keyof typeof BOOKWORM_RECIPE]),
    );
    expect(differing.sort()).toEqual(['aptSuites', 'name', 'suite']);
    expect(Object.keys(TRIXIE_RECIPE).sort()).toEqual(Object.keys(BOOKWORM_RECIPE).sort());
    expect(recipeHash(TRIXIE_RECIPE)).not.toBe(recipeHash(BOOKWORM_RECIPE));
    expect(aptSources(TRIXIE_RECIPE)).toBe(
      [
        'deb http://deb.debian.org/debian trixie main',
        'deb http://deb.debian.org/debian trixie-updates main',
        'deb http://deb.debian.org/debian-security trixie-security main',
        '',
      ].join('\n'),
    );
  });
});
