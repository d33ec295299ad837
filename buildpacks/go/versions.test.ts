import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { parseGoMod } from './gomod.js';
import {
  compareGoVersions,
  isExactGoVersion,
  nearestGoVersions,
  requestedGoVersion,
  resolveGoVersion,
  toolchainModuleVersion,
  toolchainVersionsFromList,
} from './versions.js';

// The shape of <proxy>/golang.org/toolchain/@v/list: unsorted, every platform.
const LIST = [
  'v0.0.1-go1.22.5.linux-amd64',
  'v0.0.1-go1.22.5.darwin-arm64',
  'v0.0.1-go1.21.0.linux-amd64',
  'v0.0.1-go1.22.0.linux-amd64',
  'v0.0.1-go1.21rc2.linux-amd64',
  'v0.0.1-go1.22.12.linux-amd64',
  'v0.0.1-go1.23rc1.linux-amd64',
  'v0.0.1-go1.22.4.linux-arm64',
  'v0.0.1-go1.20.linux-amd64',
  'v0.0.1-go1.20.3.linux-amd64',
  'v0.0.1-go1.23.1.linux-amd64',
  'not-a-version',
  '',
].join('\n');
const AVAILABLE = toolchainVersionsFromList(LIST);

const caught = (fn: () => unknown): BuildError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BuildError) return err;
    throw err;
  }
  throw new Error('no BuildError');
};

describe('the proxy list', () => {
  it('keeps linux/amd64 toolchains, oldest first, betas and rcs before their release', () => {
    expect(AVAILABLE).toEqual(['1.20', '1.20.3', '1.21rc2', '1.21.0', '1.22.0', '1.22.5', '1.22.12', '1.23rc1', '1.23.1']);
  });

  it('names module versions the proxy serves', () => {
    expect(toolchainModuleVersion('1.22.5')).toBe('v0.0.1-go1.22.5.linux-amd64');
  });

  it('orders patch numbers numerically', () => {
    expect(compareGoVersions('1.22.12', '1.22.5')).toBeGreaterThan(0);
    expect(compareGoVersions('1.9', '1.10')).toBeLessThan(0);
  });
});

describe('requestedGoVersion', () => {
  it('prefers the toolchain line over the go line', () => {
    expect(requestedGoVersion(parseGoMod('module m\ngo 1.22\ntoolchain go1.22.5\n'))).toEqual({ version: '1.22.5', source: 'toolchain' });
    expect(requestedGoVersion(parseGoMod('module m\ngo 1.22\n'))).toEqual({ version: '1.22', source: 'go' });
    expect(requestedGoVersion(parseGoMod('module m\n'))).toEqual({ version: null, source: 'none' });
  });

  it('fails on a line that names no version', () => {
    expect(caught(() => requestedGoVersion(parseGoMod('module m\ngo latest\n'))).reason).toBe('go.mod\'s `go latest` line does not name a Go version.');
  });

  it('tells exact versions from release lines', () => {
    expect(['1.22.5', '1.21rc2', '1.22.0'].map(isExactGoVersion)).toEqual([true, true, true]);
    expect(['1.22', '1.20'].map(isExactGoVersion)).toEqual([false, false]);
  });
});

describe('resolveGoVersion', () => {
  it('takes `go 1.22` as the newest 1.22 release', () => {
    expect(resolveGoVersion({ version: '1.22', source: 'go' }, AVAILABLE).version).toBe('1.22.12');
    // 1.20's first release was called "1.20"
    expect(resolveGoVersion({ version: '1.20', source: 'go' }, AVAILABLE).version).toBe('1.20.3');
  });

  it('takes an exact version exactly, pre-releases included', () => {
    expect(resolveGoVersion({ version: '1.22.5', source: 'go' }, AVAILABLE)).toEqual({ version: '1.22.5', explanation: 'go.mod\'s `go 1.22.5` line: Go 1.22.5' });
    expect(resolveGoVersion({ version: '1.21rc2', source: 'toolchain' }, AVAILABLE).version).toBe('1.21rc2');
  });

  it('uses the newest release without a go line', () => {
    expect(resolveGoVersion({ version: null, source: 'none' }, AVAILABLE).version).toBe('1.23.1');
  });

  it('fails on an unknown version, listing the nearest releases', () => {
    const error = caught(() => resolveGoVersion({ version: '1.22.7', source: 'toolchain' }, AVAILABLE));
    expect(error.reason).toBe('Go 1.22.7 (go.mod\'s `toolchain go1.22.7` line) is not available from the Go module proxy.');
    expect(error.outputTail[0]).toBe('Nearest available: 1.22.5, 1.22.0, 1.21.0, 1.22.12, 1.23.1.');
    const line = caught(() => resolveGoVersion({ version: '1.99', source: 'go' }, AVAILABLE));
    expect(line.outputTail[0]).toBe('Nearest available: 1.23.1, 1.22.12, 1.22.5.');
  });

  it('lists up to three versions on each side', () => {
    expect(nearestGoVersions('1.21.5', ['1.20', '1.21.0', '1.21.4', '1.21.6', '1.22.0', '1.22.1', '1.23.0'])).toEqual(['1.21.4', '1.21.0', '1.20', '1.21.6', '1.22.0', '1.22.1']);
  });
});
