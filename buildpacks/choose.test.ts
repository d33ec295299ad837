import { describe, expect, it } from 'vitest';
import { chooseBuildpacks } from './choose.js';
import { NO_BUILDPACK_REASON } from './detect.js';
import { BuildError } from './errors.js';
import { NODEJS_BUILDPACK } from './nodejs/index.js';

const registry = { 'acme/tiny': 'https://bp.example/tiny.tgz' };
const thrown = (fn: () => unknown): BuildError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BuildError);
    return err as BuildError;
  }
  throw new Error('did not throw');
};

describe('chooseBuildpacks', () => {
  it('detects a built-in buildpack when the app installed none', () => {
    expect(chooseBuildpacks([], new Set(['package.json']), registry)).toEqual({ kind: 'builtin', buildpack: NODEJS_BUILDPACK });
    expect(thrown(() => chooseBuildpacks([], new Set(['README.md']), registry)).reason).toBe(NO_BUILDPACK_REASON);
  });

  it('runs the installed classic buildpacks in order, names resolved', () => {
    expect(chooseBuildpacks(['https://git.example/a.git#v1', 'acme/tiny'], new Set(), registry)).toEqual({
      kind: 'classic',
      references: [
        { kind: 'git', name: 'https://git.example/a.git#v1', url: 'https://git.example/a.git', ref: 'v1' },
        { kind: 'tarball', name: 'acme/tiny', url: 'https://bp.example/tiny.tgz' },
      ],
    });
  });

  it('runs an installed built-in buildpack only if it detects the app (Heroku\'s rule for an explicit list)', () => {
    expect(chooseBuildpacks(['heroku/nodejs'], new Set(['package.json']), registry)).toEqual({ kind: 'builtin', buildpack: NODEJS_BUILDPACK });
    const refused = thrown(() => chooseBuildpacks(['heroku/nodejs'], new Set(['Gemfile']), registry));
    expect(refused.reason).toBe('App not compatible with buildpack: heroku/nodejs.');
  });

  it('fails clearly when a stored buildpack can no longer be used (a name the operator unregistered)', () => {
    const err = thrown(() => chooseBuildpacks(['acme/gone'], new Set(), registry));
    expect(err.reason).toMatch(/^The app's buildpacks cannot be used: acme\/gone is not a known buildpack/);
    expect(err.outputTail).toEqual(['Change them with `slipway buildpacks:set URL` or `slipway buildpacks:clear`.']);
  });
});
