// Finding the Pulumi CLI (real files on PATH), and the one clear error when it is missing.
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findOnPath, openPulumiStack, pathCandidates, PULUMI_CLI_MISSING_MESSAGE, PulumiCliMissingError, requirePulumiCli } from './automation.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-automation-'));
  for (const sub of ['a', 'b']) await mkdir(join(dir, sub));
  await writeFile(join(dir, 'a', 'pulumi'), 'not executable');
  await writeFile(join(dir, 'b', 'pulumi'), '#!/bin/sh\necho v3.248.0\n');
  await chmod(join(dir, 'b', 'pulumi'), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('looks the command up along PATH, skipping empty entries and files that cannot run', async () => {
  expect(pathCandidates('pulumi', '/x::/y')).toEqual(['/x/pulumi', '/y/pulumi']);
  expect(pathCandidates('pulumi', undefined)).toEqual([]);
  expect(await findOnPath('pulumi', `${join(dir, 'a')}:${join(dir, 'b')}`)).toBe(join(dir, 'b', 'pulumi'));
  expect(await findOnPath('pulumi', join(dir, 'a'))).toBeNull();
  expect(await requirePulumiCli(join(dir, 'b'))).toBe(join(dir, 'b', 'pulumi'));
});

test('no pulumi on PATH: one clear, single-line error, before anything else happens', async () => {
  await expect(requirePulumiCli('/nonexistent-slipway-bin')).rejects.toBeInstanceOf(PulumiCliMissingError);
  expect(PULUMI_CLI_MISSING_MESSAGE).not.toContain('\n');
  expect(PULUMI_CLI_MISSING_MESSAGE).toMatch(/Pulumi CLI .* not installed or not on PATH/);
  const workDir = join(dir, 'workspace');
  const opening = openPulumiStack({
    projectName: 'slipway',
    stackName: 'test',
    workDir,
    path: join(dir, 'a'),
    program: async () => ({}),
  });
  await expect(opening).rejects.toThrow(PULUMI_CLI_MISSING_MESSAGE);
  const error = await opening.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as PulumiCliMissingError,
  );
  expect({ id: error.id, expose: error.expose }).toEqual({ id: 'pulumi_cli_missing', expose: true });
  await expect(stat(workDir)).rejects.toThrow(/ENOENT/);
});
