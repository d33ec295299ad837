import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import {
  checkStackPython,
  parsePythonVersionFile,
  parseRequiresPython,
  pythonRequest,
  resolvePython,
  satisfiesSpecifier,
  STACK_PYTHON,
  upstreamVersion,
} from './versions.js';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BuildError) return err.message;
    throw err;
  }
  throw new Error('no BuildError');
};

describe('reading the requested version', () => {
  it('takes .python-version first, then runtime.txt, then requires-python', () => {
    const all = { pythonVersion: '# pinned\n3.11\n', runtimeTxt: 'python-3.13.1', pyproject: '[project]\nrequires-python = ">=3.12"\n' };
    expect(pythonRequest(all)).toEqual({ source: '.python-version', text: '3.11' });
    expect(pythonRequest({ ...all, pythonVersion: undefined })).toEqual({ source: 'runtime.txt', text: 'python-3.13.1' });
    expect(pythonRequest({ pyproject: all.pyproject })).toEqual({ source: 'requires-python', text: '>=3.12' });
    expect(pythonRequest({ pythonVersion: '\n\n', pyproject: '[tool.x]\nrequires-python = "1"\n' })).toEqual({ source: 'default', text: '' });
  });

  it('reads requires-python only from [project]', () => {
    expect(parseRequiresPython("[project]\nname = 'x'\nrequires-python = '>=3.10,<3.14'\n[tool.poetry]\n")).toBe('>=3.10,<3.14');
    expect(parseRequiresPython('[tool.poetry]\nrequires-python = ">=3.10"\n')).toBeNull();
    expect(parsePythonVersionFile('  3.13.2  \n')).toBe('3.13.2');
  });
});

describe('PEP 440 specifiers', () => {
  it.each([
    ['3.11.2', '>=3.11', true],
    ['3.11.2', '>=3.11.4', false],
    ['3.11.2', '>=3.10,<3.12', true],
    ['3.13.5', '>=3.10,<3.12', false],
    ['3.11.2', '==3.11.*', true],
    ['3.13.5', '==3.11.*', false],
    ['3.11.2', '~=3.11', true],
    ['3.13.5', '~=3.11', true],
    ['3.13.5', '~=3.11.0', false],
    ['3.11.2', '!=3.11.2', false],
    ['3.11.2', '>3.11', true],
    ['3.11.2', '<=3.11', false],
  ])('%s against %s: %s', (version, spec, expected) => {
    expect(satisfiesSpecifier(version, spec)).toBe(expected);
  });

  it('throws on syntax it does not know', () => {
    expect(() => satisfiesSpecifier('3.11.2', '>=3.11a1')).toThrow();
  });
});

describe('choosing the Python', () => {
  it("uses the stack's Python when nothing is asked", () => {
    expect(resolvePython({ source: 'default', text: '' }, 'bookworm')).toMatchObject({ line: '3.11', version: '3.11.2' });
    expect(resolvePython({ source: 'default', text: '' }, 'trixie')).toMatchObject({ line: '3.13', version: '3.13.5' });
  });

  it('accepts the line, or a patch of it with a note', () => {
    expect(resolvePython({ source: '.python-version', text: '3.11' }, 'bookworm').explanation).toBe(
      ".python-version asks for Python 3.11: using the bookworm stack's Python 3.11 (3.11.2)",
    );
    const patched = resolvePython({ source: 'runtime.txt', text: 'python-3.11.9' }, 'bookworm');
    expect(patched.line).toBe('3.11');
    expect(patched.explanation).toContain('asks for Python 3.11.9');
    expect(patched.explanation).toContain('patch versions come from the stack');
  });

  it('names what each stack has when the version is not there', () => {
    expect(reasonOf(() => resolvePython({ source: '.python-version', text: '3.13' }, 'bookworm'))).toContain(
      'Python 3.13 is not available on the bookworm stack, which has 3.11; the trixie stack has 3.13: `stack:set trixie`.',
    );
    expect(reasonOf(() => resolvePython({ source: '.python-version', text: '3.12' }, 'bookworm'))).toContain(
      'Python 3.12 is not available on the bookworm stack, which has 3.11; no stack has it (trixie: 3.13).',
    );
    expect(reasonOf(() => resolvePython({ source: 'requires-python', text: '>=3.12' }, 'bookworm'))).toBe(
      'pyproject.toml requires Python ">=3.12", but the bookworm stack has Python 3.11 (3.11.2); the trixie stack has 3.13: `stack:set trixie`.',
    );
    expect(reasonOf(() => resolvePython({ source: 'runtime.txt', text: 'python-2.7.18' }, 'bookworm'))).toContain('not a CPython version');
    expect(reasonOf(() => resolvePython({ source: '.python-version', text: 'pypy3.10' }, 'bookworm'))).toContain('"pypy3.10"');
    expect(reasonOf(() => resolvePython({ source: 'requires-python', text: '>=3.11a1' }, 'bookworm'))).toContain('not a version specifier');
  });

  it('checks the table against what dpkg installed', () => {
    const resolved = resolvePython({ source: 'default', text: '' }, 'bookworm');
    expect(upstreamVersion('3.11.2-1+b1')).toBe('3.11.2');
    expect(upstreamVersion('1:3.13.5-1')).toBe('3.13.5');
    expect(checkStackPython(resolved, '3.11.2-1+b1', 'bookworm')).toBe('3.11.2');
    expect(() => checkStackPython(resolved, '3.12.1-1', 'bookworm')).toThrow(/update the table/);
    expect(Object.keys(STACK_PYTHON)).toEqual(['bookworm', 'trixie']);
  });
});
