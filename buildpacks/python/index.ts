// The Python buildpack's entry in the buildpack list.
import type { Buildpack } from '../buildpack.js';
import { buildPython } from './buildpack.js';
import { isPythonApp } from './plan.js';

export const PYTHON_BUILDPACK: Buildpack = {
  id: 'slipway/python',
  language: 'Python',
  needs: 'requirements.txt, uv.lock, poetry.lock, Pipfile.lock, pyproject.toml or setup.py at the root of the repository',
  detect: isPythonApp,
  build: buildPython,
};
