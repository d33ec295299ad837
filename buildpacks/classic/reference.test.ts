import { describe, expect, it } from 'vitest';
import { BUILDPACKS } from '../list.js';
import { NODEJS_BUILDPACK } from '../nodejs/index.js';
import { buildpackListProblems, builtinNames, MAX_BUILDPACKS, parseBuildpackReference } from './reference.js';

const builtins = builtinNames(BUILDPACKS);
const registry = { 'acme/tiny': 'https://buildpacks.example/tiny.tgz', 'acme/broken': 'ftp://nope' };
const parse = (text: string) => parseBuildpackReference(text, builtins, registry);

describe('parseBuildpackReference', () => {
  it('knows built-in buildpacks by their id and by Heroku\'s name', () => {
    expect(parse('slipway/nodejs')).toEqual({ kind: 'builtin', name: 'slipway/nodejs', buildpack: NODEJS_BUILDPACK });
    expect(parse('heroku/nodejs')).toEqual({ kind: 'builtin', name: 'heroku/nodejs', buildpack: NODEJS_BUILDPACK });
  });

  it('reads git URLs with an optional #ref, and tarball URLs', () => {
    expect(parse('https://git.example/bp.git#v2')).toEqual({ kind: 'git', name: 'https://git.example/bp.git#v2', url: 'https://git.example/bp.git', ref: 'v2' });
    expect(parse('http://127.0.0.1:9/x')).toEqual({ kind: 'git', name: 'http://127.0.0.1:9/x', url: 'http://127.0.0.1:9/x', ref: null });
    expect(parse(' https://h.example/a/bp.tar.gz ')).toEqual({ kind: 'tarball', name: 'https://h.example/a/bp.tar.gz', url: 'https://h.example/a/bp.tar.gz' });
    expect(parse('https://h.example/bp.tgz')).toMatchObject({ kind: 'tarball' });
  });

  it('resolves names the operator registered, keeping the name', () => {
    expect(parse('acme/tiny')).toEqual({ kind: 'tarball', name: 'acme/tiny', url: 'https://buildpacks.example/tiny.tgz' });
    expect(parse('acme/broken')).toMatch(/operator's registry entry is not usable/);
  });

  it('refuses what cannot be fetched safely, saying why', () => {
    expect(parse('heroku/ruby')).toMatch(/heroku\/ruby is not a known buildpack: use a git or tarball URL, or one of .*heroku\/nodejs/);
    expect(parse('git@github.com:x/y.git')).toMatch(/is not a URL/);
    expect(parse('file:///etc/passwd')).toMatch(/only https:\/\/ and http:\/\//);
    expect(parse('ext::sh -c evil')).toMatch(/not a URL|only https/);
    expect(parse('https://user:pw@h.example/bp.git')).toMatch(/credentials/);
    expect(parse('https://h.example/bp.git#--upload-pack=evil')).toMatch(/not a git branch, tag or commit/);
    expect(parse('https://h.example/bp.git#a..b')).toMatch(/not a git branch/);
    expect(parse('https://h.example/bp.tgz#v1')).toMatch(/takes no #ref/);
    expect(parse('')).toMatch(/must not be empty/);
  });
});

describe('buildpackListProblems', () => {
  it('accepts an ordered list of third-party buildpacks, or one built-in', () => {
    expect(buildpackListProblems(['https://a.example/a.git', 'https://b.example/b.tgz'].map(parse))).toEqual([]);
    expect(buildpackListProblems(['heroku/nodejs'].map(parse))).toEqual([]);
    expect(buildpackListProblems([])).toEqual([]);
  });

  it('refuses duplicates, too many, unknown entries and a built-in among others', () => {
    expect(buildpackListProblems(['https://a.example/a.git', 'https://a.example/a.git'].map(parse))).toEqual(['https://a.example/a.git is listed twice']);
    const many = Array.from({ length: MAX_BUILDPACKS + 1 }, (_, i) => parse(`https://a.example/${i}.git`));
    expect(buildpackListProblems(many)).toEqual([`at most ${MAX_BUILDPACKS} buildpacks may be installed`]);
    expect(buildpackListProblems(['nope/nope', 'https://a.example/a.git'].map(parse))[0]).toMatch(/nope\/nope is not a known buildpack/);
    expect(buildpackListProblems(['heroku/nodejs', 'https://a.example/a.git'].map(parse))[0]).toMatch(/built in .* cannot be combined/);
  });
});
