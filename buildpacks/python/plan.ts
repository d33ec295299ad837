// What a Python build will do, decided from the app's files (pure): the package manager and
// its commands, the environments, the dependencies cache key, Django's collectstatic and
// the default web process.
import { createHash } from 'node:crypto';
import { APP_DIR, CA_PATH, CACHE_DIR, SYSTEM_PATH } from '../build-layout.js';
import { BuildError } from '../errors.js';
import { LAYER_MTIME } from '../oci/tar-layer.js';

/** Mounted rw (install) or ro (cache hit) in build containers; the venv lives inside it. */
export const PYTHON_LAYERS_DIR = '/layers/python';
/** The virtualenv: the dependencies layer, first on the app image's PATH. */
export const VENV_DIR = `${PYTHON_LAYERS_DIR}/venv`;
/** uv's binary (from its PyPI wheel, cached globally), mounted ro. */
export const UV_DIR = '/layers/uv';
/** Poetry and Pipenv are installed here (tmpfs), only when the install runs. */
export const TOOLS_DIR = '/tmp/python-tools';

/** Bump when the venv layer's layout changes, so old caches are not reused. */
export const BUILDPACK_VERSION = 2;
/** Pinned like Heroku pins them: a new version is a deliberate change (and a new cache key). */
export const POETRY_VERSION = '2.5.1';
export const PIPENV_VERSION = '2026.10.3';

export type PythonManager = 'pip' | 'pipenv' | 'poetry' | 'uv';

/** Heroku's order: an app with several of these files is built with the first. */
const MANAGER_FILES: ReadonlyArray<{ manager: PythonManager; file: string }> = [
  { manager: 'pip', file: 'requirements.txt' },
  { manager: 'pipenv', file: 'Pipfile.lock' },
  { manager: 'poetry', file: 'poetry.lock' },
  { manager: 'uv', file: 'uv.lock' },
];

/** Files that make an app a Python app (Heroku's detection). */
export const PYTHON_FILES = ['requirements.txt', 'uv.lock', 'poetry.lock', 'Pipfile', 'Pipfile.lock', 'setup.py', 'pyproject.toml'];

export function isPythonApp(rootFiles: ReadonlySet<string>): boolean {
  return PYTHON_FILES.some((file) => rootFiles.has(file));
}

export interface ManagerChoice {
  manager: PythonManager;
  /** the file the install follows: the cache key hashes it */
  lockfile: string;
  /** other files the key covers (pyproject.toml for uv and Poetry, whose lock must match it) */
  keyFiles: string[];
  warnings: string[];
}

export function choosePackageManager(rootFiles: ReadonlySet<string>): ManagerChoice {
  const found = MANAGER_FILES.filter(({ file }) => rootFiles.has(file));
  if (found.length === 0) {
    if (rootFiles.has('Pipfile')) {
      throw new BuildError('There is a Pipfile but no Pipfile.lock.', {
        outputTail: ['Run `pipenv lock` and commit Pipfile.lock: builds install exactly what it pins.'],
      });
    }
    const what = ['pyproject.toml', 'setup.py'].filter((file) => rootFiles.has(file)).join(' and ');
    throw new BuildError(`${what} found, but no file saying which packages to install.`, {
      outputTail: [
        'Add one of: requirements.txt (pip; a line "." installs this project), uv.lock (`uv lock`),',
        'poetry.lock (`poetry lock`) or Pipfile.lock (`pipenv lock`).',
      ],
    });
  }
  const [chosen, ...ignored] = found as [(typeof found)[number], ...typeof found];
  const warnings = ignored.map(({ file }) => `${file} found too: Slipway installs with ${chosen.manager} from ${chosen.file} and ignores it.`);
  const needsPyproject = chosen.manager === 'uv' || chosen.manager === 'poetry';
  if (needsPyproject && !rootFiles.has('pyproject.toml')) {
    throw new BuildError(`${chosen.file} found without pyproject.toml.`, {
      outputTail: [`${chosen.manager} installs what pyproject.toml declares, as locked in ${chosen.file}: commit both.`],
    });
  }
  return { manager: chosen.manager, lockfile: chosen.file, keyFiles: needsPyproject ? ['pyproject.toml'] : [], warnings };
}

export interface InstallStep {
  title: string;
  argv: string[];
  failure: string;
}

/** The stack's interpreter (Debian's), e.g. /usr/bin/python3.11. */
export const systemPython = (line: string): string => `/usr/bin/python${line}`;

const PIP_QUIET = ['--no-input', '--progress-bar', 'off'];

function toolSteps(tool: 'poetry' | 'pipenv', version: string, python: string): InstallStep[] {
  const dir = `${TOOLS_DIR}/${tool}`;
  return [
    { title: `Creating a virtualenv for ${tool}`, argv: [python, '-m', 'venv', dir], failure: `Creating ${tool}'s virtualenv failed` },
    { title: `Installing ${tool} ${version}`, argv: [`${dir}/bin/pip`, 'install', ...PIP_QUIET, `${tool}==${version}`], failure: `Installing ${tool} ${version} from the package index failed` },
  ];
}

/** The commands that fill VENV_DIR, in order. */
export function installSteps(manager: PythonManager, line: string): InstallStep[] {
  const python = systemPython(line);
  // The package managers install into it from outside: it needs no pip of its own.
  const createVenv: InstallStep = { title: `Creating the virtualenv (Python ${line})`, argv: [python, '-m', 'venv', '--without-pip', VENV_DIR], failure: 'Creating the virtualenv failed' };
  switch (manager) {
    case 'pip':
      // pip runs from its own venv into the app's (`--python`): pip and setuptools, a third of
      // a Django venv, stay out of the image.
      return [
        { title: 'Preparing pip', argv: [python, '-m', 'venv', `${TOOLS_DIR}/pip`], failure: "Creating pip's virtualenv failed" },
        createVenv,
        { title: 'Installing dependencies from requirements.txt', argv: [`${TOOLS_DIR}/pip/bin/pip`, '--python', `${VENV_DIR}/bin/python`, 'install', ...PIP_QUIET, '-r', 'requirements.txt'], failure: 'Installing dependencies failed: `pip install -r requirements.txt` exited with an error' },
      ];
    case 'uv':
      // --locked: a uv.lock that does not match pyproject.toml is an error, as `npm ci` does;
      // --no-install-project: the app's own code stays out of the cached venv.
      return [
        { title: 'Installing dependencies from uv.lock', argv: [`${UV_DIR}/uv`, 'sync', '--locked', '--no-dev', '--no-install-project'], failure: 'Installing dependencies failed: `uv sync --locked` exited with an error' },
      ];
    case 'poetry':
      return [
        ...toolSteps('poetry', POETRY_VERSION, python),
        createVenv,
        { title: 'Installing dependencies from poetry.lock', argv: [`${TOOLS_DIR}/poetry/bin/poetry`, 'install', '--only', 'main', '--no-root', '--no-interaction', '--no-ansi'], failure: 'Installing dependencies failed: `poetry install` exited with an error' },
      ];
    case 'pipenv':
      return [
        ...toolSteps('pipenv', PIPENV_VERSION, python),
        createVenv,
        { title: 'Installing dependencies from Pipfile.lock', argv: [`${TOOLS_DIR}/pipenv/bin/pipenv`, 'install', '--deploy'], failure: 'Installing dependencies failed: `pipenv install --deploy` exited with an error' },
      ];
  }
}

/** The tool version that goes into the cache key (pip is the stack's, covered by the Python version). */
export function managerVersion(manager: PythonManager, uvVersion: string): string {
  return { pip: 'stack', uv: uvVersion, poetry: POETRY_VERSION, pipenv: PIPENV_VERSION }[manager];
}

export interface DependencyCacheKeyInput {
  manager: PythonManager;
  managerVersion: string;
  /** the installed interpreter, '3.11.2' */
  pythonVersion: string;
  stackId: string;
  indexUrl: string;
  /** the lockfile, then keyFiles, in order */
  files: Buffer[];
}

/** Equal inputs, equal venv: the key of the per-app dependencies cache. */
export function dependencyCacheKey(input: DependencyCacheKeyInput): string {
  const hash = createHash('sha256');
  for (const part of [`v${BUILDPACK_VERSION}`, input.manager, input.managerVersion, input.pythonVersion, input.stackId, input.indexUrl, ...input.files]) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** Environment of build commands: every client trusts CA_PATH and uses the operator's index. */
export function buildEnvironment(line: string, indexUrl: string): string[] {
  return [
    'HOME=/tmp',
    `PATH=${VENV_DIR}/bin:${SYSTEM_PATH}`,
    'LANG=C.UTF-8',
    'PYTHONUNBUFFERED=1',
    `SSL_CERT_FILE=${CA_PATH}`,
    `REQUESTS_CA_BUNDLE=${CA_PATH}`,
    `PIP_CERT=${CA_PATH}`,
    `PIP_INDEX_URL=${withSlash(indexUrl)}`,
    `PIP_CACHE_DIR=${CACHE_DIR}/pip`,
    'PIP_DISABLE_PIP_VERSION_CHECK=1',
    'PIP_ROOT_USER_ACTION=ignore',
    `UV_CACHE_DIR=${CACHE_DIR}/uv`,
    `UV_PROJECT_ENVIRONMENT=${VENV_DIR}`,
    `UV_PYTHON=${systemPython(line)}`,
    'UV_PYTHON_DOWNLOADS=never',
    // The cache is another mount: hard links cannot cross it.
    'UV_LINK_MODE=copy',
    'UV_COMPILE_BYTECODE=1',
    // The venv's layer gives every file one old mtime, which would make bytecode compiled against
    // the install's mtimes stale at every start (each boot compiling every module again). With
    // SOURCE_DATE_EPOCH set, pip and uv write hash-checked .pyc files (PEP 552) instead.
    `SOURCE_DATE_EPOCH=${LAYER_MTIME.getTime() / 1000}`,
    'UV_NO_PROGRESS=1',
    // as written: uv compares it with the registry URL recorded in uv.lock (a trailing slash differs)
    `UV_DEFAULT_INDEX=${indexUrl}`,
    // Poetry and Pipenv install into the venv named here instead of making their own.
    `VIRTUAL_ENV=${VENV_DIR}`,
    `POETRY_CACHE_DIR=${CACHE_DIR}/poetry`,
    'POETRY_VIRTUALENVS_CREATE=false',
    `PIPENV_CACHE_DIR=${CACHE_DIR}/pipenv`,
    `PIPENV_PYPI_MIRROR=${withSlash(indexUrl)}`,
    'PIPENV_VERBOSITY=-1',
    'PIPENV_NOSPIN=1',
  ];
}

/** Environment of the app image. */
export function runtimeEnvironment(): string[] {
  return [`PATH=${VENV_DIR}/bin:${SYSTEM_PATH}`, `VIRTUAL_ENV=${VENV_DIR}`, `HOME=${APP_DIR}`, 'LANG=C.UTF-8', 'PYTHONUNBUFFERED=1'];
}

/** Normalised distribution names installed in a site-packages directory (from its `*.dist-info` entries). */
export function installedDistributions(sitePackagesEntries: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const entry of sitePackagesEntries) {
    const match = /^(.+?)-[^-]+\.dist-info$/.exec(entry);
    if (match) names.add(match[1]!.toLowerCase().replace(/[-_.]+/g, '-'));
  }
  return names;
}

/** The Django settings module from manage.py's DJANGO_SETTINGS_MODULE default, e.g. 'mysite.settings'. */
export function djangoSettingsModule(managePy: string): string | null {
  const match = /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_.]*)['"]/.exec(managePy);
  return match ? match[1]! : null;
}

export type WebSource = 'Procfile' | 'Django and gunicorn';

export interface PythonProcessPlan {
  processTypes: Record<string, string>;
  web: { command: string; source: WebSource } | null;
  collectstatic: string[] | null;
  /** Django is there, but the app set DISABLE_COLLECTSTATIC */
  collectstaticDisabled: boolean;
  notes: string[];
}

export interface ProcessPlanInput {
  procfile: Record<string, string> | null;
  installed: ReadonlySet<string>;
  /** manage.py's text, or null without one */
  managePy: string | null;
  /** the DISABLE_COLLECTSTATIC config var, or null when unset */
  disableCollectstatic?: string | null;
}

/** Heroku's rule: DISABLE_COLLECTSTATIC set to anything but empty or "0" skips collectstatic. */
export function collectstaticDisabledBy(value: string | null | undefined): boolean {
  const trimmed = value?.trim() ?? '';
  return trimmed !== '' && trimmed !== '0';
}

/**
 * collectstatic when Django is installed and manage.py exists (unless DISABLE_COLLECTSTATIC); the web process from the
 * Procfile, else (Django with gunicorn) `gunicorn <project>.wsgi` on $PORT.
 */
export function planProcesses({ procfile, installed, managePy, disableCollectstatic }: ProcessPlanInput): PythonProcessPlan {
  const django = managePy !== null && installed.has('django');
  const collectstaticDisabled = django && collectstaticDisabledBy(disableCollectstatic);
  const collectstatic = django && !collectstaticDisabled ? [`${VENV_DIR}/bin/python`, 'manage.py', 'collectstatic', '--noinput'] : null;
  const processTypes: Record<string, string> = { ...(procfile ?? {}) };
  const notes: string[] = [];
  let web: PythonProcessPlan['web'] = null;
  if (processTypes.web !== undefined) {
    web = { command: processTypes.web, source: 'Procfile' };
  } else if (django && installed.has('gunicorn')) {
    const settings = djangoSettingsModule(managePy);
    const project = settings?.split('.').slice(0, -1).join('.');
    if (project) {
      web = { command: `gunicorn ${project}.wsgi --bind 0.0.0.0:$PORT`, source: 'Django and gunicorn' };
      processTypes.web = web.command;
    } else {
      notes.push('No web process: manage.py does not name DJANGO_SETTINGS_MODULE, so the wsgi module is unknown; add a Procfile with "web: gunicorn <project>.wsgi".');
    }
  }
  if (!web && notes.length === 0) {
    notes.push(
      django
        ? 'No web process: add gunicorn to the dependencies (then `gunicorn <project>.wsgi` is the default), or a Procfile with "web: <command>".'
        : 'No web process: add a Procfile with "web: <command>" (e.g. "web: gunicorn app:app").',
    );
  }
  return { processTypes, web, collectstatic, collectstaticDisabled, notes };
}
