import { describe, expect, it } from 'vitest';
import { parseGoMod, rootBinaryName } from './gomod.js';

describe('parseGoMod', () => {
  it('reads the module, go and toolchain lines', () => {
    const text = 'module example.com/goweb // the app\n\ngo 1.22\n\ntoolchain go1.22.5\n\nrequire (\n\tgithub.com/go-chi/chi/v5 v5.5.0\n)\n';
    expect(parseGoMod(text)).toEqual({ module: 'example.com/goweb', go: '1.22', toolchain: '1.22.5', install: null });
  });

  it('takes a quoted module path and CRLF line ends', () => {
    expect(parseGoMod('module "example.com/quoted"\r\ngo 1.21rc2\r\n')).toMatchObject({ module: 'example.com/quoted', go: '1.21rc2', toolchain: null });
  });

  it('reads Heroku\'s `// +heroku install` comment', () => {
    expect(parseGoMod('// +heroku install ./cmd/web ./cmd/worker\nmodule m\ngo 1.22\n').install).toEqual(['./cmd/web', './cmd/worker']);
  });

  it('answers nulls for lines that are missing, and ignores ones inside blocks', () => {
    expect(parseGoMod('require (\n\tgo 1.0\n)\n')).toEqual({ module: null, go: null, toolchain: null, install: null });
  });
});

describe('rootBinaryName', () => {
  it('is the last path element, skipping a major version suffix', () => {
    expect(rootBinaryName('example.com/goweb')).toBe('goweb');
    expect(rootBinaryName('github.com/acme/api/v2')).toBe('api');
    expect(rootBinaryName('hello')).toBe('hello');
  });
});
