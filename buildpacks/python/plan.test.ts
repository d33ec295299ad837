import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { detectBuildpack } from '../detect.js';
import {
  buildEnvironment,
  choosePackageManager,
  collectstaticDisabledBy,
  dependencyCacheKey,
  djangoSettingsModule,
  installedDistributions,
  installSteps,
  isPythonApp,
  planProcesses,
  runtimeEnvironment,
  type DependencyCacheKeyInput,
} from './plan.js';

const files = (...names: string[]) => new Set(names);

describe('detection', () => {
  it.each(['requirements.txt', 'uv.lock', 'poetry.lock', 'Pipfile', 'Pipfile.lock', 'setup.py', 'pyproject.toml'])('%s makes a Python app', (name) => {
    expect(isPythonApp(files(name, 'README.md'))).toBe(true);
    expect(detectBuildpack(files(name))?.id).toBe('slipway/python');
  });

  it('is not fooled by other files, and Node.js comes first (as on Heroku)', () => {
    expect(isPythonApp(files('app.py', 'Procfile'))).toBe(false);
    expect(detectBuildpack(files('package.json', 'requirements.txt'))?.id).toBe('slipway/nodejs');
  });
});

describe('package manager', () => {
  it('follows the lockfile', () => {
    expect(choosePackageManager(files('requirements.txt'))).toMatchObject({ manager: 'pip', lockfile: 'requirements.txt', keyFiles: [] });
    expect(choosePackageManager(files('uv.lock', 'pyproject.toml'))).toMatchObject({ manager: 'uv', keyFiles: ['pyproject.toml'] });
    expect(choosePackageManager(files('poetry.lock', 'pyproject.toml'))).toMatchObject({ manager: 'poetry' });
    expect(choosePackageManager(files('Pipfile', 'Pipfile.lock'))).toMatchObject({ manager: 'pipenv', lockfile: 'Pipfile.lock' });
  });

  it("takes Heroku's order when there are several, and says so", () => {
    const choice = choosePackageManager(files('requirements.txt', 'uv.lock', 'pyproject.toml'));
    expect(choice.manager).toBe('pip');
    expect(choice.warnings).toEqual(['uv.lock found too: Slipway installs with pip from requirements.txt and ignores it.']);
  });

  it('refuses what it cannot install, saying what to add', () => {
    expect(() => choosePackageManager(files('Pipfile'))).toThrow(/no Pipfile.lock/);
    expect(() => choosePackageManager(files('pyproject.toml'))).toThrow(BuildError);
    expect(() => choosePackageManager(files('setup.py'))).toThrow(/setup.py found, but no file saying which packages to install/);
    expect(() => choosePackageManager(files('uv.lock'))).toThrow(/uv.lock found without pyproject.toml/);
  });
});

describe('install commands', () => {
  it("pip: from its own venv into a pip-less app venv of the stack's interpreter", () => {
    expect(installSteps('pip', '3.11').map((step) => step.argv)).toEqual([
      ['/usr/bin/python3.11', '-m', 'venv', '/tmp/python-tools/pip'],
      ['/usr/bin/python3.11', '-m', 'venv', '--without-pip', '/layers/python/venv'],
      ['/tmp/python-tools/pip/bin/pip', '--python', '/layers/python/venv/bin/python', 'install', '--no-input', '--progress-bar', 'off', '-r', 'requirements.txt'],
    ]);
  });

  it('uv: one locked sync without dev dependencies or the project itself', () => {
    expect(installSteps('uv', '3.13').map((step) => step.argv)).toEqual([['/layers/uv/uv', 'sync', '--locked', '--no-dev', '--no-install-project']]);
  });

  it('Poetry and Pipenv: the tool in its own venv, then the install into the app venv', () => {
    expect(installSteps('poetry', '3.11').map((step) => step.argv)).toEqual([
      ['/usr/bin/python3.11', '-m', 'venv', '/tmp/python-tools/poetry'],
      ['/tmp/python-tools/poetry/bin/pip', 'install', '--no-input', '--progress-bar', 'off', 'poetry==2.5.1'],
      ['/usr/bin/python3.11', '-m', 'venv', '--without-pip', '/layers/python/venv'],
      ['/tmp/python-tools/poetry/bin/poetry', 'install', '--only', 'main', '--no-root', '--no-interaction', '--no-ansi'],
    ]);
    expect(installSteps('pipenv', '3.11').at(-1)!.argv).toEqual(['/tmp/python-tools/pipenv/bin/pipenv', 'install', '--deploy']);
  });

  it('every client trusts the CA bundle and uses the configured index', () => {
    const env = buildEnvironment('3.11', 'https://mirror.example/simple');
    for (const name of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'PIP_CERT']) expect(env).toContain(`${name}=/etc/slipway/ca-certificates.crt`);
    for (const name of ['PIP_INDEX_URL', 'PIPENV_PYPI_MIRROR']) expect(env).toContain(`${name}=https://mirror.example/simple/`);
    // uv compares its index with uv.lock's recorded registry URL: no slash added
    expect(env).toContain('UV_DEFAULT_INDEX=https://mirror.example/simple');
    expect(env).toContain('UV_PYTHON=/usr/bin/python3.11');
    expect(env).toContain('UV_PYTHON_DOWNLOADS=never');
    expect(runtimeEnvironment()).toEqual(expect.arrayContaining(['PATH=/layers/python/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'PYTHONUNBUFFERED=1']));
  });
});

describe('dependency cache key', () => {
  const base: DependencyCacheKeyInput = {
    manager: 'pip',
    managerVersion: 'stack',
    pythonVersion: '3.11.2',
    stackId: 'abc',
    indexUrl: 'https://pypi.org/simple',
    files: [Buffer.from('Django==5.2.19\n')],
  };

  it('is stable for equal inputs and changes with each of them', () => {
    const key = dependencyCacheKey(base);
    expect(dependencyCacheKey({ ...base, files: [Buffer.from('Django==5.2.19\n')] })).toBe(key);
    const variants: DependencyCacheKeyInput[] = [
      { ...base, manager: 'uv' },
      { ...base, managerVersion: '0.13.9' },
      { ...base, pythonVersion: '3.13.5' },
      { ...base, stackId: 'def' },
      { ...base, indexUrl: 'https://mirror.example/simple' },
      { ...base, files: [Buffer.from('Django==5.2.18\n')] },
      { ...base, files: [Buffer.from('Django==5.2.19\n'), Buffer.from('[project]')] },
    ];
    for (const variant of variants) expect(dependencyCacheKey(variant)).not.toBe(key);
  });
});

describe('processes', () => {
  const managePy = "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')";

  it('reads installed distributions from dist-info names', () => {
    expect(installedDistributions(['Django-5.2.19.dist-info', 'django', 'gunicorn-27.0.1.dist-info', 'typing_extensions-4.1.dist-info', 'x.pth'])).toEqual(
      new Set(['django', 'gunicorn', 'typing-extensions']),
    );
    expect(djangoSettingsModule(managePy)).toBe('mysite.settings');
    expect(djangoSettingsModule('print(1)')).toBeNull();
  });

  it('Django with gunicorn: collectstatic, and gunicorn on the project wsgi by default', () => {
    const plan = planProcesses({ procfile: null, installed: new Set(['django', 'gunicorn']), managePy });
    expect(plan.collectstatic).toEqual(['/layers/python/venv/bin/python', 'manage.py', 'collectstatic', '--noinput']);
    expect(plan.processTypes).toEqual({ web: 'gunicorn mysite.wsgi --bind 0.0.0.0:$PORT' });
    expect(plan.notes).toEqual([]);
  });

  it('DISABLE_COLLECTSTATIC set to anything but empty or "0" skips collectstatic (Heroku\'s rule)', () => {
    for (const value of ['1', 'true', 'yes\n']) expect(collectstaticDisabledBy(value)).toBe(true);
    for (const value of [null, undefined, '', '0', ' 0\n']) expect(collectstaticDisabledBy(value)).toBe(false);
    const disabled = planProcesses({ procfile: null, installed: new Set(['django', 'gunicorn']), managePy, disableCollectstatic: '1' });
    expect(disabled.collectstatic).toBeNull();
    expect(disabled.collectstaticDisabled).toBe(true);
    expect(disabled.processTypes).toEqual({ web: 'gunicorn mysite.wsgi --bind 0.0.0.0:$PORT' });
    const notDjango = planProcesses({ procfile: { web: 'gunicorn app:app' }, installed: new Set(['flask']), managePy: null, disableCollectstatic: '1' });
    expect(notDjango.collectstaticDisabled).toBe(false);
  });

  it('the Procfile wins; no Django, no collectstatic', () => {
    const plan = planProcesses({ procfile: { web: 'gunicorn app:app', worker: 'python w.py' }, installed: new Set(['flask', 'gunicorn']), managePy: null });
    expect(plan.collectstatic).toBeNull();
    expect(plan.processTypes).toEqual({ web: 'gunicorn app:app', worker: 'python w.py' });
  });

  it('without a web command, no web process and a note saying what to add', () => {
    const django = planProcesses({ procfile: null, installed: new Set(['django']), managePy });
    expect(django.web).toBeNull();
    expect(django.notes[0]).toContain('add gunicorn');
    const plain = planProcesses({ procfile: null, installed: new Set(['requests']), managePy: null });
    expect(plain.processTypes).toEqual({});
    expect(plain.notes[0]).toContain('add a Procfile');
    // manage.py without Django installed is not Django
    expect(planProcesses({ procfile: null, installed: new Set(), managePy }).collectstatic).toBeNull();
  });
});
