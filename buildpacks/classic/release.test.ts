import { describe, expect, it } from 'vitest';
import { mergeProcessTypes, parseReleaseYaml } from './release.js';

describe('parseReleaseYaml', () => {
  it('reads default_process_types and config_vars as Heroku buildpacks print them', () => {
    const text = '---\naddons: []\ndefault_process_types:\n  web: bin/server --port $PORT\n  worker: "bin/jobs"\nconfig_vars:\n  LANG: en_US.UTF-8\n  WORKERS: 2\n';
    expect(parseReleaseYaml(text)).toEqual({
      defaultProcessTypes: { web: 'bin/server --port $PORT', worker: 'bin/jobs' },
      configVars: { LANG: 'en_US.UTF-8', WORKERS: '2' },
    });
  });

  it('treats empty output, an empty document and null sections as no defaults', () => {
    const none = { defaultProcessTypes: {}, configVars: {} };
    expect(parseReleaseYaml('')).toEqual(none);
    expect(parseReleaseYaml('---\n')).toEqual(none);
    expect(parseReleaseYaml('default_process_types:\n')).toEqual(none);
  });

  it('says what is wrong with a broken release', () => {
    expect(parseReleaseYaml('default_process_types: [web]\n')).toMatch(/default_process_types maps process types to command strings/);
    expect(parseReleaseYaml('default_process_types:\n  web: [1]\n')).toMatch(/command strings/);
    expect(parseReleaseYaml('a: b: c\n')).toMatch(/invalid YAML/);
    expect(parseReleaseYaml('- web\n')).toMatch(/YAML mapping/);
    expect(parseReleaseYaml('default_process_types:\n  "we b": x\n')).toMatch(/invalid process type "we b"/);
    expect(parseReleaseYaml('default_process_types:\n  web: "  "\n')).toMatch(/empty command/);
    expect(parseReleaseYaml('config_vars:\n  "1X": y\n')).toMatch(/invalid config var "1X"/);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(parseReleaseYaml(bomb)).toMatch(/invalid YAML/);
  });
});

describe('mergeProcessTypes', () => {
  it('puts the Procfile over the buildpacks\' defaults, a later buildpack over an earlier one', () => {
    expect(mergeProcessTypes([{ web: 'a', worker: 'w1' }, { worker: 'w2', clock: 'c' }], { web: 'procfile web' })).toEqual({
      web: 'procfile web',
      worker: 'w2',
      clock: 'c',
    });
    expect(mergeProcessTypes([{ web: 'a' }], null)).toEqual({ web: 'a' });
    expect(mergeProcessTypes([], null)).toEqual({});
  });
});
