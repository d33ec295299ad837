// Shell completion, made from the command tree and run by a real bash: commands (colons and
// all), each command's flags, and a refused shell.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from './testing/cli-harness.js';

describe('slipway completion', () => {
  let dir: string;
  let script: string;
  let cli: ReturnType<typeof inProcessCli>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-completion-'));
    cli = inProcessCli({ home: dir, cwd: dir });
    const printed = await cli(['completion', 'bash']);
    expect(printed.code).toBe(0);
    script = join(dir, 'slipway.bash');
    await writeFile(script, printed.stdout);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /** What bash offers for `line` (the cursor at its end), with bash's own word breaks. */
  const offered = async (line: string): Promise<string[]> => {
    const program = `source "$1"; COMP_LINE="$2"; COMP_POINT=\${#COMP_LINE}; _slipway; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', program, 'bash', script, line]);
    return stdout.split('\n').filter(Boolean);
  };

  it('completes commands, the part after a colon as bash splits it', async () => {
    expect(await offered('slipway apps:in')).toEqual(['info']);
    expect(await offered('slipway maint')).toEqual(['maintenance', 'maintenance:off', 'maintenance:on']);
    expect(await offered('slipway ')).toEqual(expect.arrayContaining(['apps', 'config:set', 'run', 'completion']));
  });

  it("completes a command's flags", async () => {
    expect(await offered('slipway apps:info --')).toEqual(['--app', '--json', '--remote']);
    expect(await offered('slipway ps:scale --j')).toEqual(['--json']);
  });

  it('prints a zsh script through bashcompinit, and refuses other shells', async () => {
    expect((await cli(['completion', 'zsh'])).stdout).toContain('bashcompinit');
    const fish = await cli(['completion', 'fish']);
    expect(fish.code).not.toBe(0);
    expect(fish.stderr).toContain('"fish" is not bash or zsh');
  });
});
