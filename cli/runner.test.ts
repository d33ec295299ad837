import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { runChecked, spawnRunner } from './runner.js';

describe('spawnRunner', () => {
  const cwd = tmpdir();

  it('runs argv without a shell: metacharacters stay literal', async () => {
    const result = await spawnRunner(['printf', '%s|%s', '$(echo hi)', "a'b; rm -rf /"], { cwd });
    expect(result).toEqual({ exitCode: 0, stdout: "$(echo hi)|a'b; rm -rf /", stderr: '' });
  });

  it('reports the exit code and stderr of a failing program', async () => {
    const result = await spawnRunner(['git', 'remote', 'get-url', 'slipway'], { cwd });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/not a git repository/i);
    await expect(runChecked(spawnRunner, ['git', 'remote', 'get-url', 'slipway'], cwd)).rejects.toThrow(/git remote get-url failed: .*not a git repository/i);
  });

  it('says when the program is missing', async () => {
    const error = await spawnRunner(['slipway-no-such-program'], { cwd }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe('slipway-no-such-program is not installed (or not on PATH).');
  });
});
