import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { buildEnvironment, dependencyCacheKey, parsePackageJson, planNodeBuild, runtimeEnvironment } from './plan.js';

const files = (...names: string[]) => new Set(names);

describe('planNodeBuild', () => {
  it('uses npm ci with a lockfile, installing devDependencies, then prunes them', () => {
    const plan = planNodeBuild({
      packageJson: { dependencies: { ms: '^2.1.3' }, devDependencies: { typescript: '^5' }, scripts: { build: 'tsc', start: 'node dist/index.js' } },
      rootFiles: files('package.json', 'package-lock.json'),
      procfile: null,
    });
    expect(plan.lockfile).toBe('package-lock.json');
    expect(plan.install).toEqual(['npm', 'ci', '--include=dev', '--foreground-scripts', '--no-audit', '--no-fund']);
    expect(plan.build).toEqual(['npm', 'run', 'build']);
    expect(plan.prune).toEqual(['npm', 'prune', '--omit=dev', '--no-audit', '--no-fund']);
    expect(plan.web).toEqual({ command: 'node dist/index.js', source: 'start script' });
    expect(plan.processTypes).toEqual({ web: 'node dist/index.js' });
  });

  it('leaves the start script to npm when npm has more to run (prestart, poststart), and skips an empty one', () => {
    const web = (scripts: Record<string, string>) => planNodeBuild({ packageJson: { scripts }, rootFiles: files('server.js'), procfile: null }).web;
    expect(web({ prestart: 'node migrate.js', start: 'node server.js' })).toEqual({ command: 'npm start', source: 'npm start' });
    expect(web({ start: 'node server.js', poststart: 'echo gone' })).toEqual({ command: 'npm start', source: 'npm start' });
    expect(web({ start: '  ' })).toEqual({ command: 'node server.js', source: 'server.js' });
    expect(web({ start: ' node server.js --port "$PORT" ' })).toEqual({ command: 'node server.js --port "$PORT"', source: 'start script' });
  });

  it('prefers npm-shrinkwrap.json, and uses npm install without a lockfile', () => {
    expect(planNodeBuild({ packageJson: { dependencies: { a: '1' } }, rootFiles: files('npm-shrinkwrap.json', 'package-lock.json'), procfile: null }).lockfile).toBe('npm-shrinkwrap.json');
    expect(planNodeBuild({ packageJson: { dependencies: { a: '1' } }, rootFiles: files('package.json'), procfile: null }).install).toEqual([
      'npm', 'install', '--include=dev', '--foreground-scripts', '--no-audit', '--no-fund',
    ]);
  });

  it('installs nothing and prunes nothing for an app without dependencies', () => {
    const plan = planNodeBuild({ packageJson: {}, rootFiles: files('package.json', 'server.js'), procfile: null });
    expect(plan.install).toBeNull();
    expect(plan.prune).toBeNull();
    expect(plan.web).toEqual({ command: 'node server.js', source: 'server.js' });
  });

  it('runs heroku-postbuild instead of build when both exist', () => {
    const plan = planNodeBuild({ packageJson: { scripts: { build: 'a', 'heroku-postbuild': 'b' } }, rootFiles: files(), procfile: null });
    expect(plan.build).toEqual(['npm', 'run', 'heroku-postbuild']);
  });

  it('takes the web command from the Procfile first, keeping its other types', () => {
    const plan = planNodeBuild({
      packageJson: { scripts: { start: 'node other.js' } },
      rootFiles: files('server.js'),
      procfile: { web: 'node server.js', worker: 'node worker.js' },
    });
    expect(plan.web).toEqual({ command: 'node server.js', source: 'Procfile' });
    expect(plan.processTypes).toEqual({ web: 'node server.js', worker: 'node worker.js' });
  });

  it('has no web process when nothing declares one, and says so', () => {
    const plan = planNodeBuild({ packageJson: {}, rootFiles: files('package.json'), procfile: { worker: 'node w.js' } });
    expect(plan.web).toBeNull();
    expect(plan.processTypes).toEqual({ worker: 'node w.js' });
    expect(plan.warnings.join('\n')).toContain('No web process');
  });

  it('does not warn about a missing web process when another buildpack provides it (a static site)', () => {
    const plan = planNodeBuild({ packageJson: { scripts: { build: 'vite build' } }, rootFiles: files('index.html'), procfile: null, webProvided: true });
    expect(plan.web).toBeNull();
    expect(plan.warnings).toEqual([]);
  });

  it('plans with the chosen package manager, and no npm warning about its lockfile', () => {
    const plan = planNodeBuild({
      packageJson: { dependencies: { ms: '2' }, devDependencies: { a: '1' }, scripts: { start: 'node .' } },
      rootFiles: files('yarn.lock', 'server.js'),
      procfile: null,
      manager: { tool: { flavor: 'yarn-berry', version: '4.5.0', bin: ['yarn'] }, lockfile: 'yarn.lock' },
    });
    expect(plan.install).toEqual(['yarn', 'install', '--immutable']);
    expect(plan.prune).toEqual(['yarn', 'workspaces', 'focus', '--all', '--production']);
    expect(plan.web).toEqual({ command: 'node .', source: 'start script' });
    expect(plan.warnings).toEqual([]);
  });

  it('installs a pnpm workspace whose root declares no dependencies', () => {
    const plan = planNodeBuild({
      packageJson: {},
      rootFiles: files('pnpm-lock.yaml', 'pnpm-workspace.yaml'),
      procfile: { web: 'pnpm --filter web start' },
      manager: { tool: { flavor: 'pnpm', version: '10.34.9', bin: ['pnpm'] }, lockfile: 'pnpm-lock.yaml' },
    });
    expect(plan.install).toEqual(['pnpm', 'install', '--frozen-lockfile', '--prod=false']);
    expect(plan.prune?.slice(0, 4)).toEqual(['pnpm', 'install', '--frozen-lockfile', '--prod']);
  });
});

describe('parsePackageJson', () => {
  it('reads the fields it needs and tolerates odd ones', () => {
    expect(parsePackageJson('{"name":"x","engines":{"node":"22.x"},"scripts":{"start":"node ."},"dependencies":{"ms":"2"}}')).toEqual({
      name: 'x', engines: { node: '22.x' }, scripts: { start: 'node .' }, dependencies: { ms: '2' },
    });
    expect(parsePackageJson('{"scripts": "nonsense"}').scripts).toBeUndefined();
  });

  it('fails the build on invalid JSON or a non-object', () => {
    expect(() => parsePackageJson('{ nope')).toThrow(BuildError);
    expect(() => parsePackageJson('{ nope')).toThrow('package.json is not valid JSON.');
    expect(() => parsePackageJson('[1]')).toThrow('package.json must be a JSON object.');
  });
});

describe('dependencyCacheKey', () => {
  const base = { packageJson: Buffer.from('{"a":1}'), lockfile: Buffer.from('lock'), nodeVersion: '24.21.0', npmVersion: '11.6.2', stackId: 'abc' };

  it('is stable for equal inputs and changes with any of them', () => {
    expect(dependencyCacheKey(base)).toBe(dependencyCacheKey({ ...base, packageJson: Buffer.from('{"a":1}') }));
    for (const change of [
      { packageJson: Buffer.from('{"a":2}') },
      { lockfile: Buffer.from('lock2') },
      { lockfile: null },
      { nodeVersion: '24.20.0' },
      { npmVersion: '11.6.1' },
      { stackId: 'abd' },
      { manager: 'pnpm 10.34.9' },
      { extraFiles: [['.yarnrc.yml', Buffer.from('nodeLinker: pnp')]] as Array<[string, Buffer]> },
    ]) {
      expect(dependencyCacheKey({ ...base, ...change })).not.toBe(dependencyCacheKey(base));
    }
  });
});

describe('environments', () => {
  it('points npm at the registry, the CA bundle, the per-app cache and the runtime headers', () => {
    const env = buildEnvironment('https://registry.npmjs.org');
    expect(env).toEqual(expect.arrayContaining([
      'npm_config_registry=https://registry.npmjs.org/',
      'NODE_EXTRA_CA_CERTS=/etc/slipway/ca-certificates.crt',
      'npm_config_cafile=/etc/slipway/ca-certificates.crt',
      'npm_config_cache=/cache/npm',
      'npm_package_config_node_gyp_nodedir=/layers/nodejs',
      'HOME=/app',
      'NODE_ENV=production',
    ]));
  });

  it('runs apps with the runtime and node_modules/.bin on PATH', () => {
    expect(runtimeEnvironment()).toEqual([
      'PATH=/layers/nodejs/bin:/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/app',
      'NODE_ENV=production',
      'LANG=C.UTF-8',
    ]);
  });

  it('puts the manager\'s launcher on PATH and, for Yarn PnP, loads .pnp.cjs and its ESM loader in every node', () => {
    const env = runtimeEnvironment({ managerBin: '/layers/yarn/bin', pnp: { loader: true } });
    expect(env[0]).toBe('PATH=/layers/nodejs/bin:/layers/yarn/bin:/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(env).toContain('NODE_OPTIONS=--require /app/.pnp.cjs --experimental-loader /app/.pnp.loader.mjs');
    expect(runtimeEnvironment({ pnp: { loader: false } })).toContain('NODE_OPTIONS=--require /app/.pnp.cjs');
  });

  it('keeps each manager\'s cache and home-directory writes in its per-app cache mount', () => {
    expect(buildEnvironment('https://r.example', 'pnpm', '/layers/pnpm/bin')).toEqual(expect.arrayContaining([
      'PATH=/layers/nodejs/bin:/layers/pnpm/bin:/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'npm_config_store_dir=/cache/pnpm/store',
      'pnpm_config_store_dir=/cache/pnpm/store',
      'XDG_CACHE_HOME=/cache/pnpm/xdg/cache',
    ]));
    expect(buildEnvironment('https://r.example', 'yarn-berry')).toEqual(expect.arrayContaining([
      'YARN_NPM_REGISTRY_SERVER=https://r.example',
      'YARN_HTTPS_CA_FILE_PATH=/etc/slipway/ca-certificates.crt',
      'YARN_ENABLE_GLOBAL_CACHE=false',
      'YARN_GLOBAL_FOLDER=/cache/yarn/berry',
    ]));
    expect(buildEnvironment('https://r.example', 'yarn-classic')).toContain('YARN_CACHE_FOLDER=/cache/yarn/cache');
  });
});
