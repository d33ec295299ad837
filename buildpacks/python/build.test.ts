// Integration: Python apps built for real (stack, Debian python3, PyPI through the CA bundle,
// Docker Engine, registry), the images pulled by digest and run, answering on 127.0.0.1.
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { buildApp, removeAppCaches, type BuildOutcome } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from '../testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
const pulled: string[] = [];
const apps: string[] = [];

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
});

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of apps) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

async function build(
  appName: string,
  files: Record<string, string>,
  configVars: Record<string, string> = {},
): Promise<{ outcome: BuildOutcome; lines: string[]; ms: number }> {
  apps.push(`id-${appName}`);
  const lines: string[] = [];
  const started = Date.now();
  try {
    const outcome = await buildApp(docker, config, stack, {
      buildId: `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      appName,
      appId: `id-${appName}`,
      source: Readable.from(await gitArchiveOf(files)),
      configVars,
      log: (line) => void lines.push(line),
    });
    return { outcome, lines, ms: Date.now() - started };
  } finally {
    console.log(lines.join('\n'));
  }
}

async function failedBuild(appName: string, files: Record<string, string>): Promise<{ error: BuildError; lines: string[] }> {
  apps.push(`id-${appName}`);
  const lines: string[] = [];
  const error = await buildApp(docker, config, stack, {
    buildId: `b${Date.now().toString(36)}`,
    appName,
    appId: `id-${appName}`,
    source: Readable.from(await gitArchiveOf(files)),
    log: (line) => void lines.push(line),
  }).then(
    () => null,
    (err: unknown) => err,
  );
  console.log(lines.join('\n'));
  expect(error).toBeInstanceOf(BuildError);
  return { error: error as BuildError, lines };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

const sizeOf = async (ref: string) => (await docker.getImage(ref).inspect()).Size;

// PEP 552's flags word in each .pyc under the venv: 0 is checked against the source's mtime,
// which the layer's one fixed mtime would make stale at every start; 1 and 3 are hash-based.
const SITE_PACKAGES = '/layers/python/venv/lib/python3.11/site-packages';

const COUNT_PYC_KINDS = [
  'import pathlib, sys',
  "kinds = [int.from_bytes(p.read_bytes()[4:8], 'little') for p in pathlib.Path(sys.argv[1]).rglob('*.pyc')]",
  "print(sum(k == 0 for k in kinds), sum(k in (1, 3) for k in kinds))",
].join('\n');

/** How many of the venv's .pyc files are checked by mtime, and how many by hash. */
async function venvBytecodeKinds(image: string): Promise<{ byMtime: number; byHash: number }> {
  const { output } = await runInImage(docker, image, ['python', '-c', COUNT_PYC_KINDS, SITE_PACKAGES]);
  const [byMtime, byHash] = output.trim().split(' ').map(Number);
  return { byMtime: byMtime!, byHash: byHash! };
}

describe('Django on pip (requirements.txt), gunicorn and whitenoise', () => {
  const appName = uniqueAppName('django');
  let files: Record<string, string>;

  it('builds: venv from requirements.txt, collectstatic, gunicorn as the default web process; serves the page and a static file', async () => {
    files = await fixtureFiles('python-django');
    const { outcome, lines, ms } = await build(appName, files);
    expect(outcome.buildpack).toBe('slipway/python');
    expect(outcome.versions).toEqual({ python: '3.11.2', packageManager: 'pip' });
    expect(outcome.processTypes).toEqual({ web: 'gunicorn mysite.wsgi --bind 0.0.0.0:$PORT' });
    expect(lines).toContain('-----> Python app detected');
    expect(lines.some((line) => line.includes('runtime.txt asks for Python 3.11.9: using the bookworm stack'))).toBe(true);
    expect(lines).toContain('-----> Installing dependencies from requirements.txt');
    expect(lines).toContain('-----> Running Django collectstatic');
    expect(lines.some((line) => /static files? copied/.test(line))).toBe(true);

    const image = await pull(outcome);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.User).toBe('1000:1000');
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['PYTHONUNBUFFERED=1', expect.stringMatching(/^PATH=\/layers\/python\/venv\/bin:/)]));
    const served = await serveOnce(docker, image, outcome.processTypes.web!, ['/', '/static/hello.txt']);
    expect(served.bodies).toEqual(['hello from django v1\n', 'static file served by whitenoise\n']);
    const owner = await runInImage(docker, image, ['stat', '-c', '%u:%g', '/layers/python/venv/bin/python', '/app/staticfiles/staticfiles.json']);
    expect(owner.output.trim().split('\n')).toEqual(['1000:1000', '1000:1000']);
    // pip ran from its own venv: neither it nor setuptools is in the image
    const sitePackages = await runInImage(docker, image, ['ls', SITE_PACKAGES]);
    expect(sitePackages.output).toContain('django');
    expect(sitePackages.output).not.toMatch(/^(pip|setuptools)$/m);
    // pip's bytecode stays valid in the layer: hash-based, so no start compiles Django again
    const pyc = await venvBytecodeKinds(image);
    expect(pyc.byMtime).toBe(0);
    expect(pyc.byHash).toBeGreaterThan(100);
    console.log(`django first build: ${ms} ms, image ${(await sizeOf(image)) / 1e6} MB, timings ${JSON.stringify(outcome.timings)}`);
  }, 900_000);

  it('a code-only push skips the install, still runs collectstatic, and uploads only the app layer', async () => {
    const v2 = { ...files, 'mysite/urls.py': files['mysite/urls.py']!.replace('django v1', 'django v2') };
    const { outcome, lines, ms } = await build(appName, v2);
    expect(lines).toContain('-----> Restoring the virtualenv from the cache');
    expect(lines.some((line) => line.startsWith('-----> Installing dependencies') || line.includes('/bin/pip'))).toBe(false);
    expect(lines).toContain('-----> Running Django collectstatic');
    expect(outcome.layersUploaded).toBe(1);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body).toBe('hello from django v2\n');
    console.log(`django code-only build: ${ms} ms, timings ${JSON.stringify(outcome.timings)}`);
  }, 600_000);

  it('skips collectstatic when the app sets DISABLE_COLLECTSTATIC, and says so', async () => {
    const { outcome, lines } = await build(appName, files, { DISABLE_COLLECTSTATIC: '1' });
    expect(lines).toContain('       Skipping Django collectstatic: DISABLE_COLLECTSTATIC is set');
    expect(lines.some((line) => line.includes('Running Django collectstatic'))).toBe(false);
    expect(outcome.timings.collectstatic).toBeUndefined();
    expect(outcome.processTypes.web).toBe('gunicorn mysite.wsgi --bind 0.0.0.0:$PORT');
  }, 600_000);
});

describe('Flask on uv (uv.lock)', () => {
  it('builds with uv from its PyPI wheel and serves the app from the Procfile', async () => {
    const { outcome, lines, ms } = await build(uniqueAppName('flask'), await fixtureFiles('python-flask-uv'));
    expect(outcome.versions).toEqual({ python: '3.11.2', packageManager: 'uv', uv: '0.13.9' });
    expect(outcome.processTypes).toEqual({ web: 'gunicorn app:app --bind 0.0.0.0:$PORT' });
    expect(lines).toContain('-----> Installing dependencies from uv.lock');
    expect(lines.some((line) => line.includes('collectstatic'))).toBe(false);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body).toBe('hello from flask v1\n');
    const pyc = await venvBytecodeKinds(image);
    expect(pyc.byMtime).toBe(0);
    expect(pyc.byHash).toBeGreaterThan(20);
    console.log(`flask first build: ${ms} ms, image ${(await sizeOf(image)) / 1e6} MB, timings ${JSON.stringify(outcome.timings)}`);
  }, 900_000);
});

describe('Poetry (poetry.lock) and Pipenv (Pipfile.lock)', () => {
  it.each([
    ['poetry', 'python-poetry', 'poetry.lock', 'poetry install'],
    ['pipenv', 'python-pipenv', 'Pipfile.lock', 'pipenv install --deploy'],
  ])('%s: the tool from the index in its own venv, the app venv filled from the lockfile', async (manager, fixture, lockfile, command) => {
    const { outcome, lines, ms } = await build(uniqueAppName(manager), await fixtureFiles(fixture));
    expect(outcome.versions).toEqual({ python: '3.11.2', packageManager: manager });
    expect(lines).toContain(`-----> Installing dependencies from ${lockfile}`);
    expect(lines.some((line) => line.includes(`$ /tmp/python-tools/${manager}/bin/${command}`))).toBe(true);
    const image = await pull(outcome);
    expect((await serveOnce(docker, image, outcome.processTypes.web!)).body).toBe(`hello from ${manager} v1\n`);
    // the tool itself stays out of the image
    expect((await runInImage(docker, image, ['ls', '/layers/python/venv/bin'])).output).not.toContain(manager);
    console.log(`${manager} first build: ${ms} ms, image ${(await sizeOf(image)) / 1e6} MB`);
  }, 900_000);
});

describe('bad input', () => {
  it('an unavailable Python version names what each stack has', async () => {
    const files = { ...(await fixtureFiles('python-flask-uv')), '.python-version': '3.13\n' };
    const { error } = await failedBuild(uniqueAppName('py-version'), files);
    expect(error.reason).toBe('Python 3.13 is not available on the bookworm stack, which has 3.11; the trixie stack has 3.13: `stack:set trixie`.');
  });

  it('a broken uv.lock fails the install with uv saying why', async () => {
    const files = await fixtureFiles('python-flask-uv');
    const { error } = await failedBuild(uniqueAppName('py-lock'), { ...files, 'uv.lock': files['uv.lock']!.replace('[[package]]', '[[package]\nbroken') });
    expect(error.reason).toMatch(/^Installing dependencies failed: `uv sync --locked` exited with an error \(exit code \d+\)\.$/);
    expect(error.outputTail.join('\n')).toMatch(/uv\.lock/);
  });

  it('a package that does not exist fails pip with its message', async () => {
    const { error } = await failedBuild(uniqueAppName('py-install'), { 'requirements.txt': 'slipway-no-such-package-4711==1.0\n', 'app.py': '' });
    expect(error.reason).toMatch(/^Installing dependencies failed: `pip install -r requirements.txt` exited with an error/);
    expect(error.outputTail.join('\n')).toContain('No matching distribution found for slipway-no-such-package-4711==1.0');
  });
});
