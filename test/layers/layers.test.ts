// The layering of docs/architecture.md, checked by dependency-cruiser with the rules in
// .dependency-cruiser.cjs: the tree as it is has no violation, and each rule catches an
// import planted to break it (so the check cannot pass by checking nothing). Bad imports are
// planted in a copy of the tree, never in the checkout other tests are reading.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const PRODUCT = ['common', 'agent', 'router', 'buildpacks', 'host-providers', 'control-plane', 'supervisor', 'provisioner', 'cli'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  const depcruise = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  // exit code = number of errors; the JSON report is what we judge
  const { stdout } = await promisify(execFile)(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...paths], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`dependency-cruiser failed: ${err.stderr ?? String(err)}`);
    return { stdout: err.stdout };
  });
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

let copy: string;
beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'slipway-layers-'));
  for (const entry of [...PRODUCT, 'test', 'bench', '.dependency-cruiser.cjs', 'tsconfig.json']) {
    await cp(join(ROOT, entry), join(copy, entry), { recursive: true, filter: (source) => !/\/(node_modules|dist)(\/|$)/.test(source.slice(ROOT.length)) });
  }
  await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
});
afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

async function plant(path: string, source: string): Promise<string> {
  await writeFile(join(copy, path), source);
  return path;
}

test('the tree keeps its layers: no upward import, no cycle, no test support in product code', async () => {
  const violations = await cruise(ROOT, [...PRODUCT, 'test', 'bench']);
  expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
});

test('each rule catches a planted bad import', async () => {
  const tag = randomBytes(4).toString('hex');
  const upward = await plant(`common/planted-upward-${tag}.ts`, "export { loadControlPlaneConfig } from '../control-plane/config.js';\n");
  const sideways = await plant(`router/planted-sideways-${tag}.ts`, "export { LABELS } from '../agent/labels.js';\n");
  const testSupport = await plant(`agent/planted-test-support-${tag}.ts`, "export { waitFor } from '../test/support/wait.js';\n");
  const reconcilerHeld = await plant(`control-plane/hosts/planted-reconciler-${tag}.ts`, "export type { Reconciler } from '../scheduler/reconciler.js';\n");
  const cycleA = await plant(`common/planted-cycle-a-${tag}.ts`, `import { b } from './planted-cycle-b-${tag}.js';\nexport const a = (): number => b() + 1;\n`);
  const cycleB = await plant(`common/planted-cycle-b-${tag}.ts`, `import { a } from './planted-cycle-a-${tag}.js';\nexport const b = (): number => a() - 1;\n`);

  const found = (await cruise(copy, [upward, sideways, testSupport, reconcilerHeld, cycleA, cycleB])).map((v) => `${v.rule.name}: ${v.from}`);
  expect(found).toEqual(
    expect.arrayContaining([
      `common-is-the-bottom: ${upward}`,
      `router-is-a-component: ${sideways}`,
      `no-test-support-in-product: ${testSupport}`,
      `control-plane-converges-through-converger: ${reconcilerHeld}`,
    ]),
  );
  // a cycle is reported once, from whichever of its modules the cruise met first
  expect(found.filter((line) => line === `no-circular: ${cycleA}` || line === `no-circular: ${cycleB}`)).toHaveLength(1);
});
