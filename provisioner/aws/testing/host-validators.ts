// Test support: checks rendered host configuration with the real tools that will read it.
// cloud-init's own schema validator (Debian 12's cloud-init package, downloaded with apt and
// unpacked into a cache directory, never installed: it would take over this machine's boot),
// and `systemd-analyze verify` for unit files.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CACHE = join(tmpdir(), 'slipway-test-cloud-init-22.4-deps');
/** Debian's own Python, the one cloud-init runs on in Debian's images. */
const PYTHON = '/usr/bin/python3';

/** cloud-init and the Python packages it needs, as apt resolves them (no lock needed). */
async function cloudInitPackages(): Promise<string[]> {
  const { stdout } = await run(
    'apt-cache',
    ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', '--no-pre-depends', 'cloud-init'],
    { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 },
  );
  const python = new Set(stdout.split('\n').filter((line) => /^python3-[a-z0-9.-]+$/.test(line)));
  return ['cloud-init', ...[...python].sort()];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Unpacks Debian's cloud-init once (per machine) and returns the unpacked root. */
export async function unpackedCloudInit(): Promise<string> {
  const root = join(CACHE, 'root');
  if (await exists(join(root, 'usr', 'bin', 'cloud-init'))) return root;
  await mkdir(tmpdir(), { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'slipway-cloud-init-download-'));
  try {
    await run('apt-get', ['download', ...(await cloudInitPackages())], { cwd: work, timeout: 300_000 });
    for (const deb of (await readdir(work)).filter((name) => name.endsWith('.deb'))) {
      await run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { timeout: 60_000 });
    }
    await mkdir(CACHE, { recursive: true });
    // Another test file may have won the race: its copy is as good as ours.
    await rename(join(work, 'root'), root).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(join(root, 'usr', 'bin', 'cloud-init')))) throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return root;
}

export interface ValidationResult {
  valid: boolean;
  output: string;
}

/** Runs `cloud-init schema --config-file` on user-data. */
export async function validateCloudConfig(userData: string): Promise<ValidationResult> {
  const root = await unpackedCloudInit();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-user-data-'));
  try {
    const file = join(dir, 'user-data');
    await writeFile(file, userData, { mode: 0o600 });
    const result = await run(PYTHON, [join(root, 'usr', 'bin', 'cloud-init'), 'schema', '--config-file', file], {
      env: { PATH: '/usr/bin:/bin', PYTHONPATH: join(root, 'usr', 'lib', 'python3', 'dist-packages') },
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ valid: true, output: stdout + stderr }),
      (err: { stdout?: string; stderr?: string }) => ({ valid: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The systemd units (service, timer, path) among cloud-init's files, by unit name. */
export function systemdUnits(files: readonly { path: string; content: string }[]): Record<string, string> {
  return Object.fromEntries(
    files.filter((f) => /^\/etc\/systemd\/system\/[^/]+\.(service|timer|path)$/.test(f.path)).map((f) => [f.path.split('/').pop()!, f.content]),
  );
}

/**
 * Runs `systemd-analyze verify` on unit files (name → content). Returns its complaints, minus
 * "not executable" for commands that only the target machine has (installed by its packages).
 */
export async function verifyUnits(units: Readonly<Record<string, string>>, onTargetOnly: readonly string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-units-'));
  try {
    const files: string[] = [];
    for (const [name, content] of Object.entries(units)) {
      await writeFile(join(dir, name), content);
      files.push(join(dir, name));
    }
    const output = await run('systemd-analyze', ['verify', '--man=no', ...files], { timeout: 60_000 }).then(
      ({ stdout, stderr }) => stdout + stderr,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    return output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .filter((line) => !onTargetOnly.some((path) => line.includes(`Command ${path} is not executable`)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
