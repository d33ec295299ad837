#!/usr/bin/env node
// Entry point of `npm start` and `npm test` on a fresh clone: installs the npm dependencies
// when they are missing or stale, compiles the TypeScript, then starts the platform or runs
// the tests. Plain JavaScript on purpose: it must run before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [mode, ...rest] = process.argv.slice(2);

function run(argv, what, env = process.env) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`slipway: ${what} failed (${argv.join(' ')})`);
    process.exit(result.status ?? 1);
  }
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

const installed = join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(join(root, 'package-lock.json'))) {
  run(['npm', 'ci', '--no-audit', '--no-fund'], 'installing npm dependencies');
}
run([process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], 'compiling');

if (mode === 'start') {
  await import(join(root, 'dist', 'supervisor', 'main.js'));
} else if (mode === 'test') {
  // Plain text: CI logs and the tools that read them see `Tests  N passed`, not colour codes.
  // The run ends with test/support/closing-line-reporter.ts's `N passed, N failed, N skipped`,
  // printed here so that it is the last line whatever the teardown prints.
  const closingLineFile = join(mkdtempSync(join(tmpdir(), 'slipway-test-run-')), 'closing-line');
  const plain = { ...process.env, NO_COLOR: '1', SLIPWAY_TEST_CLOSING_LINE_FILE: closingLineFile };
  delete plain.FORCE_COLOR;
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...rest], { cwd: root, stdio: 'inherit', env: plain });
  if (result.status !== 0) console.error('slipway: tests failed');
  if (existsSync(closingLineFile)) process.stdout.write(readFileSync(closingLineFile, 'utf8'));
  rmSync(dirname(closingLineFile), { recursive: true, force: true });
  if (result.status !== 0) process.exit(result.status ?? 1);
} else if (mode === 'bench') {
  // Benchmarks need the same machine setup as the tests (packages, Docker Engine).
  const { setup } = await import(join(root, 'dist', 'test', 'support', 'global-setup.js'));
  await setup();
  const { ensurePackages } = await import(join(root, 'dist', 'supervisor', 'host-setup.js'));
  const { BENCH_PACKAGES } = await import(join(root, 'dist', 'supervisor', 'packages.js'));
  ensurePackages(BENCH_PACKAGES, (line) => console.log(`[bench setup] ${line}`));
  await import(join(root, 'dist', 'bench', `${rest[0]}.js`));
} else {
  console.error('usage: node scripts/run.mjs start|test|bench <name>');
  process.exit(2);
}
