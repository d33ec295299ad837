// Schemathesis (PyPI), for the tests that fuzz the API from its schema: installed once with
// Debian's pip into a cache directory of its own (nothing touches the system's Python), through
// the machine's CA bundle (the build CA setting: PyPI is reached through a TLS proxy here).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const SCHEMATHESIS_VERSION = '4.32.5';
const PYTHON = '/usr/bin/python3';

/** The argv that runs schemathesis's CLI, and the environment it needs. */
export async function ensureSchemathesis(caFile = process.env.SLIPWAY_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt'): Promise<{ argv: string[]; env: Record<string, string> }> {
  const target = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slipway', `schemathesis-${SCHEMATHESIS_VERSION}`);
  if (!existsSync(join(target, 'schemathesis', 'cli', '__main__.py'))) {
    await exec(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--target', target, '--cert', caFile, `schemathesis==${SCHEMATHESIS_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
  }
  return { argv: [PYTHON, '-m', 'schemathesis.cli'], env: { PYTHONPATH: target, PYTHONDONTWRITEBYTECODE: '1' } };
}
