// ENV_DIR as written for builds, and the script that exports it into built-in build steps
// (run with the host's bash, ENV_DIR's path pointed at the temporary directory).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV_DIR } from './build-layout.js';
import { EXPORT_ENV_DIR_SCRIPT, readEnvDirVar, withConfigVars, writeEnvDir } from './env-dir.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function envDir(vars: Record<string, string>): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'slipway-env-'));
  dirs.push(parent);
  const dir = join(parent, 'env');
  await writeEnvDir(dir, vars);
  return dir;
}

describe('writeEnvDir', () => {
  it('writes one file per var, the value exactly, readable by the app user alone', async () => {
    const dir = await envDir({ DATABASE_URL: 'postgres://u:p@h/db', MULTI: 'line 1\nline 2\n', EMPTY: '' });
    expect((await readdir(dir)).sort()).toEqual(['DATABASE_URL', 'EMPTY', 'MULTI']);
    expect(await readFile(join(dir, 'MULTI'), 'utf8')).toBe('line 1\nline 2\n');
    expect(await readFile(join(dir, 'EMPTY'), 'utf8')).toBe('');
    const file = await stat(join(dir, 'DATABASE_URL'));
    expect([file.uid, file.gid, file.mode & 0o777]).toEqual([1000, 1000, 0o400]);
    const directory = await stat(dir);
    expect([directory.uid, directory.mode & 0o777]).toEqual([1000, 0o500]);
  });

  it('writes an empty directory for an app without config vars', async () => {
    expect(await readdir(await envDir({}))).toEqual([]);
  });

  it('refuses a name that could be a path, without echoing any value', async () => {
    await expect(envDir({ '../escape': 'secret-value' })).rejects.toThrow(/config var name "..\/escape"/);
    await expect(envDir({ '../escape': 'secret-value' })).rejects.not.toThrow(/secret-value/);
  });

  it('reads one var back exactly, null when unset, and never a path', async () => {
    const dir = await envDir({ DISABLE_COLLECTSTATIC: '1\n', EMPTY: '' });
    expect(await readEnvDirVar(dir, 'DISABLE_COLLECTSTATIC')).toBe('1\n');
    expect(await readEnvDirVar(dir, 'EMPTY')).toBe('');
    expect(await readEnvDirVar(dir, 'UNSET')).toBeNull();
    await expect(readEnvDirVar(dir, '../etc/passwd')).rejects.toThrow(/not a config var name/);
  });
});

describe('withConfigVars', () => {
  it('exports every var but the denylisted ones, values byte for byte, then runs argv', async () => {
    const dir = await envDir({ GREETING: 'hi there', TRAILING: 'x\n\n', PATH: '/evil', LD_PRELOAD: '/evil.so', QUOTE: `it's "$HOME"` });
    const script = EXPORT_ENV_DIR_SCRIPT.split(ENV_DIR).join(dir);
    const argv = withConfigVars(['node', '-e', 'process.stdout.write(JSON.stringify([process.env.GREETING, process.env.TRAILING, process.env.LD_PRELOAD ?? null, process.env.QUOTE, process.env.PATH === "/evil"]))']);
    expect(argv.slice(0, 3)).toEqual(['bash', '-c', EXPORT_ENV_DIR_SCRIPT]);
    const { stdout } = await run(argv[0]!, ['-c', script, ...argv.slice(3)]);
    expect(JSON.parse(stdout)).toEqual(['hi there', 'x\n\n', null, `it's "$HOME"`, false]);
  });
});
