import { describe, expect, it } from 'vitest';
import { berryCanFocus, lockfileHint, managerSteps, type ManagerStepsInput, type ManagerTool } from './manager-commands.js';

const tools: Record<string, ManagerTool> = {
  npm: { flavor: 'npm', version: '11.6.2', bin: ['npm'] },
  yarn1: { flavor: 'yarn-classic', version: '1.22.22', bin: ['yarn'] },
  berry: { flavor: 'yarn-berry', version: '4.5.0', bin: ['yarn'] },
  berry3: { flavor: 'yarn-berry', version: '3.6.4', bin: ['node', '.yarn/releases/yarn-3.6.4.cjs'] },
  pnpm: { flavor: 'pnpm', version: '10.34.9', bin: ['pnpm'] },
};
const input = (tool: ManagerTool, extra: Partial<ManagerStepsInput> = {}): ManagerStepsInput => ({
  tool,
  lockfile: 'lock',
  scripts: { 'heroku-prebuild': 'x', build: 'y' },
  hasDependencies: true,
  hasDevDependencies: true,
  pnpmWorkspace: false,
  yarnPlugins: [],
  ...extra,
});

describe('managerSteps', () => {
  it('npm: ci, run, prune --omit=dev', () => {
    expect(managerSteps(input(tools.npm!))).toEqual({
      prebuild: ['npm', 'run', 'heroku-prebuild'],
      install: ['npm', 'ci', '--include=dev', '--foreground-scripts', '--no-audit', '--no-fund'],
      buildScript: 'build',
      build: ['npm', 'run', 'build'],
      prune: ['npm', 'prune', '--omit=dev', '--no-audit', '--no-fund'],
      pruneSkipped: null,
    });
  });

  it('Yarn 1: frozen lockfile with devDependencies despite NODE_ENV=production, then a production install offline', () => {
    const steps = managerSteps(input(tools.yarn1!, { scripts: { build: 'a', 'heroku-postbuild': 'b' } }));
    expect(steps.prebuild).toBeNull();
    expect(steps.install).toEqual(['yarn', 'install', '--frozen-lockfile', '--production=false', '--non-interactive']);
    expect(steps.build).toEqual(['yarn', 'run', 'heroku-postbuild']);
    expect(steps.prune).toEqual(['yarn', 'install', '--production', '--ignore-scripts', '--prefer-offline', '--frozen-lockfile', '--non-interactive']);
    expect(managerSteps(input(tools.yarn1!, { lockfile: null })).install).toEqual(['yarn', 'install', '--production=false', '--non-interactive']);
  });

  it('Yarn Berry: --immutable, prebuild through npm (yarn run needs an installed project), workspaces focus', () => {
    const steps = managerSteps(input(tools.berry!));
    expect(steps.prebuild).toEqual(['npm', 'run', 'heroku-prebuild']);
    expect(steps.install).toEqual(['yarn', 'install', '--immutable']);
    expect(steps.prune).toEqual(['yarn', 'workspaces', 'focus', '--all', '--production']);
  });

  it('Yarn 3 from yarnPath: focus only with the workspace-tools plugin, else devDependencies stay and it says why', () => {
    const without = managerSteps(input(tools.berry3!));
    expect(without.install).toEqual(['node', '.yarn/releases/yarn-3.6.4.cjs', 'install', '--immutable']);
    expect(without.prune).toBeNull();
    expect(without.pruneSkipped).toContain('devDependencies are kept: Yarn 3.6.4');
    const withPlugin = managerSteps(input(tools.berry3!, { yarnPlugins: ['.yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs'] }));
    expect(withPlugin.prune).toEqual(['node', '.yarn/releases/yarn-3.6.4.cjs', 'workspaces', 'focus', '--all', '--production']);
    expect(berryCanFocus(null, [])).toBe(false);
    expect(berryCanFocus('4.0.0', [])).toBe(true);
  });

  it('pnpm: frozen lockfile, prune --prod alone, and a production reinstall in a workspace (prune unlinks workspace packages)', () => {
    expect(managerSteps(input(tools.pnpm!)).install).toEqual(['pnpm', 'install', '--frozen-lockfile', '--prod=false']);
    expect(managerSteps(input(tools.pnpm!)).prune).toEqual(['pnpm', 'prune', '--prod', '--ignore-scripts', '--config.confirmModulesPurge=false']);
    expect(managerSteps(input(tools.pnpm!, { pnpmWorkspace: true })).prune).toEqual([
      'pnpm', 'install', '--frozen-lockfile', '--prod', '--offline', '--ignore-scripts', '--config.confirmModulesPurge=false',
    ]);
    expect(managerSteps(input(tools.pnpm!, { lockfile: null })).install).toEqual(['pnpm', 'install', '--no-frozen-lockfile', '--prod=false']);
  });

  it('installs and prunes nothing without dependencies, and prunes nothing without devDependencies', () => {
    const none = managerSteps(input(tools.pnpm!, { lockfile: null, hasDependencies: false, hasDevDependencies: false }));
    expect([none.install, none.prune]).toEqual([null, null]);
    expect(managerSteps(input(tools.yarn1!, { hasDevDependencies: false })).prune).toBeNull();
  });
});

describe('lockfileHint', () => {
  it('recognises each manager\'s outdated-lockfile wording', () => {
    const hint = 'pnpm-lock.yaml is out of date with package.json or cannot be read: run `pnpm install` with the same package manager version, commit pnpm-lock.yaml, and push again.';
    expect(lockfileHint('pnpm', 'pnpm-lock.yaml', [' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile"'])).toBe(hint);
    expect(lockfileHint('yarn-classic', 'yarn.lock', ['error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.'])).toContain('yarn.lock is out of date');
    expect(lockfileHint('yarn-berry', 'yarn.lock', ['➤ YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden.'])).toContain('run `yarn install`');
    expect(lockfileHint('yarn-berry', 'yarn.lock', ['YAMLException: unexpected end of the stream within a flow collection (33:1)'])).toContain('cannot be read');
    expect(lockfileHint('npm', 'package-lock.json', ['npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.'])).toContain('package-lock.json is out of date');
  });

  it('stays quiet for other failures', () => {
    expect(lockfileHint('pnpm', 'pnpm-lock.yaml', [' ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/nope: Not Found - 404'])).toBeNull();
  });
});
