// The argv of each step for each package manager (pure): heroku-prebuild, a frozen-lockfile
// install with devDependencies, heroku-postbuild or build, then devDependencies pruned.
import semver from 'semver';

export type ManagerFlavor = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm';

export interface ManagerTool {
  flavor: ManagerFlavor;
  /** null when unknown (a committed yarnPath release without a version in its name) */
  version: string | null;
  /** the argv prefix that runs it: ['yarn'], ['pnpm'], ['node', '.yarn/releases/yarn-4.5.0.cjs'] */
  bin: string[];
}

export interface ManagerSteps {
  prebuild: string[] | null;
  install: string[] | null;
  buildScript: 'heroku-postbuild' | 'build' | null;
  build: string[] | null;
  prune: string[] | null;
  /** why devDependencies stay (when they exist and prune is null) */
  pruneSkipped: string | null;
}

export interface ManagerStepsInput {
  tool: ManagerTool;
  lockfile: string | null;
  scripts: Record<string, string>;
  hasDependencies: boolean;
  hasDevDependencies: boolean;
  /** pnpm-workspace.yaml at the root */
  pnpmWorkspace: boolean;
  /** `.yarnrc.yml` plugins (Yarn 2/3 need workspace-tools for `workspaces focus`) */
  yarnPlugins: readonly string[];
}

const NPM_FLAGS = ['--no-audit', '--no-fund'];

/** Whether this Berry has `yarn workspaces focus` (built in since Yarn 4, a plugin before). */
export function berryCanFocus(version: string | null, plugins: readonly string[]): boolean {
  if (version && semver.valid(version) && semver.major(version) >= 4) return true;
  return plugins.some((plugin) => plugin.includes('workspace-tools'));
}

export function managerSteps(input: ManagerStepsInput): ManagerSteps {
  const { tool, lockfile, scripts } = input;
  const run = (script: string): string[] => (tool.flavor === 'npm' ? ['npm', 'run', script] : [...tool.bin, 'run', script]);
  const buildScript = scripts['heroku-postbuild'] !== undefined ? 'heroku-postbuild' : scripts.build !== undefined ? 'build' : null;
  // Berry's `yarn run` needs an installed project: the prebuild script runs through npm.
  const prebuild =
    scripts['heroku-prebuild'] === undefined ? null : tool.flavor === 'yarn-berry' ? ['npm', 'run', 'heroku-prebuild'] : run('heroku-prebuild');
  // Builds run with NODE_ENV=production, which would make yarn 1 and pnpm skip
  // devDependencies: the build script needs them, so they are asked for explicitly.
  let install: string[] | null = null;
  let prune: string[] | null = null;
  let pruneSkipped: string | null = null;
  const installs = lockfile !== null || input.hasDependencies;
  switch (tool.flavor) {
    case 'npm': {
      const flags = ['--include=dev', '--foreground-scripts', ...NPM_FLAGS];
      install = lockfile ? ['npm', 'ci', ...flags] : installs ? ['npm', 'install', ...flags] : null;
      prune = ['npm', 'prune', '--omit=dev', ...NPM_FLAGS];
      break;
    }
    case 'yarn-classic':
      install = installs
        ? [...tool.bin, 'install', ...(lockfile ? ['--frozen-lockfile'] : []), '--production=false', '--non-interactive']
        : null;
      prune = [...tool.bin, 'install', '--production', '--ignore-scripts', '--prefer-offline', '--frozen-lockfile', '--non-interactive'];
      break;
    case 'yarn-berry':
      install = installs ? [...tool.bin, 'install', ...(lockfile ? ['--immutable'] : [])] : null;
      if (berryCanFocus(tool.version, input.yarnPlugins)) {
        prune = [...tool.bin, 'workspaces', 'focus', '--all', '--production'];
      } else {
        pruneSkipped = `devDependencies are kept: Yarn ${tool.version ?? '(yarnPath)'} has no \`yarn workspaces focus\` without @yarnpkg/plugin-workspace-tools (add it, or use Yarn 4).`;
      }
      break;
    case 'pnpm':
      install = installs ? [...tool.bin, 'install', lockfile ? '--frozen-lockfile' : '--no-frozen-lockfile', '--prod=false'] : null;
      // `pnpm prune` unlinks workspace packages from each other: in a workspace, devDependencies
      // go by installing again for production, offline from the store.
      prune = input.pnpmWorkspace
        ? [...tool.bin, 'install', '--frozen-lockfile', '--prod', '--offline', '--ignore-scripts', '--config.confirmModulesPurge=false']
        : [...tool.bin, 'prune', '--prod', '--ignore-scripts', '--config.confirmModulesPurge=false'];
      break;
  }
  if (!install || !input.hasDevDependencies) {
    prune = null;
    pruneSkipped = null;
  }
  return { prebuild, install, buildScript, build: buildScript ? run(buildScript) : null, prune, pruneSkipped };
}

/**
 * A hint for a failed install when its output says the lockfile is out of date (each
 * manager's wording), else null.
 */
export function lockfileHint(flavor: ManagerFlavor, lockfile: string | null, output: readonly string[]): string | null {
  const text = output.join('\n');
  const patterns: Record<ManagerFlavor, RegExp> = {
    npm: /`npm ci` can only install packages when your package.json and package-lock.json|are in sync|Missing: .* from lock file|Invalid: lock file/i,
    'yarn-classic': /Your lockfile needs to be updated|lockfile.*(corrupt|parse)|Unknown token|Invalid value type/i,
    'yarn-berry': /YN0028|lockfile would have been modified|YN0046|Failed to parse|Syntax error|YAMLException/i,
    pnpm: /ERR_PNPM_OUTDATED_LOCKFILE|ERR_PNPM_LOCKFILE|not up to date|broken lockfile|ERR_PNPM_BROKEN_LOCKFILE|YAMLException/i,
  };
  if (!patterns[flavor].test(text)) return null;
  const name = lockfile ?? 'the lockfile';
  const command = { npm: 'npm install', 'yarn-classic': 'yarn install', 'yarn-berry': 'yarn install', pnpm: 'pnpm install' }[flavor];
  return `${name} is out of date with package.json or cannot be read: run \`${command}\` with the same package manager version, commit ${name}, and push again.`;
}
