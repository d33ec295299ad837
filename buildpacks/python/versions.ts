// Which Python an app gets (pure). The interpreter is the stack's Debian `python3`, so each
// stack has exactly one Python line; an app asks for a version in `.python-version`,
// `runtime.txt` or pyproject's `requires-python`, and one the stack cannot give is an error
// that names what every stack has.
import { BuildError } from '../errors.js';

/**
 * Each stack's Python (Debian's `python3`), checked against what dpkg reports once the
 * packages are installed (`checkStackPython`). The patch is the one Debian ships; security
 * updates keep the upstream patch version.
 */
export const STACK_PYTHON: Readonly<Record<string, string>> = { bookworm: '3.11.2', trixie: '3.13.5' };

export type PythonVersionSource = '.python-version' | 'runtime.txt' | 'requires-python' | 'default';

export interface PythonRequest {
  source: PythonVersionSource;
  /** as written, for messages */
  text: string;
}

export interface ResolvedPython {
  /** '3.11' */
  line: string;
  /** the stack's full version, '3.11.2' */
  version: string;
  /** what the log says about the choice */
  explanation: string;
}

const minorLine = (version: string): string => version.split('.').slice(0, 2).join('.');
const parseVersion = (text: string): number[] => text.split('.').map(Number);

/** The version in `.python-version`: its first line that is not blank or a comment. */
export function parsePythonVersionFile(text: string): string | null {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line && !line.startsWith('#')) return line;
  }
  return null;
}

/** The version in runtime.txt (`python-3.11.9`). */
export function parseRuntimeTxt(text: string): string | null {
  const line = text.trim();
  return line ? line : null;
}

/**
 * `requires-python` from pyproject.toml: the one key of `[project]` we read, so a small
 * line scan does instead of a TOML parser (a multi-line value is not supported; it is read
 * as absent).
 */
export function parseRequiresPython(pyproject: string): string | null {
  let inProject = false;
  for (const raw of pyproject.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inProject = line === '[project]';
      continue;
    }
    if (!inProject) continue;
    const match = /^requires-python\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(line);
    if (match) return (match[1] ?? match[2] ?? '').trim() || null;
  }
  return null;
}

/** Does `version` (x.y.z) satisfy one PEP 440 clause (`>=3.10`, `<3.13`, `==3.11.*`, `~=3.11`, `!=3.12`)? */
function satisfiesClause(version: number[], clause: string): boolean {
  const match = /^(~=|===|==|!=|<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?$/.exec(clause);
  if (!match) throw new Error(`unsupported clause ${clause}`);
  const [, op, text, wildcard] = match as unknown as [string, string, string, string | undefined];
  const wanted = parseVersion(text);
  const compare = (length: number): number => {
    for (let i = 0; i < length; i++) {
      const a = version[i] ?? 0;
      const b = wanted[i] ?? 0;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  };
  const full = Math.max(version.length, wanted.length);
  switch (op) {
    case '==':
    case '===':
      return wildcard ? compare(wanted.length) === 0 : compare(full) === 0;
    case '!=':
      return wildcard ? compare(wanted.length) !== 0 : compare(full) !== 0;
    case '>=':
      return compare(full) >= 0;
    case '<=':
      return compare(full) <= 0;
    case '>':
      return compare(full) > 0;
    case '<':
      return compare(full) < 0;
    default: // ~=X.Y[.Z]: >= X.Y[.Z] and the same prefix without its last part
      return compare(full) >= 0 && compare(wanted.length - 1) === 0;
  }
}

/** Does `version` satisfy a comma-separated PEP 440 specifier? Throws on syntax it does not know. */
export function satisfiesSpecifier(version: string, specifier: string): boolean {
  const parsed = parseVersion(version);
  return specifier
    .split(',')
    .map((clause) => clause.trim())
    .filter(Boolean)
    .every((clause) => satisfiesClause(parsed, clause.replace(/\s+/g, '')));
}

/** Where each other stack's Python is, for the hint in an error. */
function otherStacks(stack: string, fits: (version: string) => boolean, table: Readonly<Record<string, string>>): string {
  const others = Object.entries(table).filter(([name]) => name !== stack);
  const fitting = others.filter(([, version]) => fits(version));
  if (fitting.length > 0) {
    return fitting.map(([name, version]) => `the ${name} stack has ${minorLine(version)}: \`stack:set ${name}\``).join('; ');
  }
  return `no stack has it (${others.map(([name, version]) => `${name}: ${minorLine(version)}`).join(', ') || 'no other stacks'})`;
}

/** The first of .python-version, runtime.txt, requires-python that the app has. */
export function pythonRequest(files: { pythonVersion?: string; runtimeTxt?: string; pyproject?: string }): PythonRequest {
  const fromFile = files.pythonVersion !== undefined ? parsePythonVersionFile(files.pythonVersion) : null;
  if (fromFile) return { source: '.python-version', text: fromFile };
  const fromRuntime = files.runtimeTxt !== undefined ? parseRuntimeTxt(files.runtimeTxt) : null;
  if (fromRuntime) return { source: 'runtime.txt', text: fromRuntime };
  const fromPyproject = files.pyproject !== undefined ? parseRequiresPython(files.pyproject) : null;
  if (fromPyproject) return { source: 'requires-python', text: fromPyproject };
  return { source: 'default', text: '' };
}

/** The stack's Python if it is what the app asks for; otherwise a BuildError naming each stack's. */
export function resolvePython(request: PythonRequest, stack: string, table: Readonly<Record<string, string>> = STACK_PYTHON): ResolvedPython {
  const version = table[stack];
  if (!version) {
    throw new BuildError(`The ${stack} stack has no Python (stacks with Python: ${Object.keys(table).join(', ')}).`);
  }
  const line = minorLine(version);
  if (request.source === 'default') {
    return { line, version, explanation: `No Python version requested: using the ${stack} stack's Python ${line} (${version})` };
  }
  if (request.source === 'requires-python') {
    let fits: boolean;
    try {
      fits = satisfiesSpecifier(version, request.text);
    } catch {
      throw new BuildError(`pyproject.toml's requires-python "${request.text}" is not a version specifier Slipway understands.`, {
        outputTail: ['Use clauses like ">=3.11", "<3.14", "==3.11.*" or "~=3.11", separated by commas.'],
      });
    }
    if (!fits) {
      const hint = otherStacks(stack, (other) => satisfiesSpecifier(other, request.text), table);
      throw new BuildError(
        `pyproject.toml requires Python "${request.text}", but the ${stack} stack has Python ${line} (${version}); ${hint}.`,
      );
    }
    return { line, version, explanation: `requires-python "${request.text}": using the ${stack} stack's Python ${line} (${version})` };
  }

  // .python-version ("3.11", "3.11.9") or runtime.txt ("python-3.11.9")
  const pattern = request.source === 'runtime.txt' ? /^python-(3\.[0-9]+)(\.[0-9]+)?$/ : /^(?:python-?)?(3\.[0-9]+)(\.[0-9]+)?$/;
  const match = pattern.exec(request.text);
  if (!match) {
    const example = request.source === 'runtime.txt' ? 'python-3.11' : '3.11';
    throw new BuildError(`${request.source} asks for "${request.text}", which is not a CPython version Slipway can read.`, {
      outputTail: [`Write a version such as "${example}"; the ${stack} stack has Python ${line}.`],
    });
  }
  const wanted = match[1]!;
  if (wanted !== line) {
    const hint = otherStacks(stack, (other) => minorLine(other) === wanted, table);
    throw new BuildError(`Python ${wanted} is not available on the ${stack} stack, which has ${line}; ${hint}.`, {
      outputTail: [`(requested in ${request.source}: "${request.text}")`],
    });
  }
  const patch = match[2] ? `${wanted}${match[2]}` : null;
  const explanation =
    patch && patch !== version
      ? `${request.source} asks for Python ${patch}: using the ${stack} stack's Python ${line} (${version}); patch versions come from the stack's Debian packages`
      : `${request.source} asks for Python ${wanted}: using the ${stack} stack's Python ${line} (${version})`;
  return { line, version, explanation };
}

/** Debian's package version ('3.11.2-1+b1', '1:3.13.5-1') as the upstream version ('3.11.2'). */
export function upstreamVersion(dpkgVersion: string): string {
  return dpkgVersion.replace(/^[0-9]+:/, '').replace(/[-+~].*$/, '');
}

/** The installed python3 must be the table's line: a mismatch means the table is out of date. */
export function checkStackPython(resolved: ResolvedPython, dpkgVersion: string | undefined, stack: string): string {
  if (!dpkgVersion) throw new Error(`the ${stack} stack's packages report no python3 version`);
  const installed = upstreamVersion(dpkgVersion);
  if (minorLine(installed) !== resolved.line) {
    throw new Error(`the ${stack} stack installed python3 ${dpkgVersion}, but STACK_PYTHON says ${resolved.version}: update the table`);
  }
  return installed;
}
