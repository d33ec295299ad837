// Limits for a Dockerfile build's RUN steps. BuildKit inside dockerd (20.10, Debian's docker.io)
// ignores `docker build --memory/--cpu-quota/--cgroup-parent`: it starts every RUN step in a
// cgroup of its own under one fixed parent (`/docker/buildkit` with the cgroupfs driver). A
// limit written on that parent holds for all steps below it, so Docker builds on one engine take
// turns (a machine-wide lock) and each has the parent, with the build limits, to itself.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BUILD_CPU_SHARES, type BuildLimits } from '../config.js';
import { acquireFileLock, type FileLock } from '../lock.js';

/** Where dockerd's BuildKit puts RUN steps with the cgroupfs driver and no `cgroup-parent`. */
export const BUILDKIT_STEP_CGROUP = '/docker/buildkit';
const CPU_PERIOD_US = 100_000;

export type CgroupVersion = 1 | 2;

/** cgroup v2's cpu.weight for v1 cpu shares, converted as runc converts a container's (1024 → 39), so a
 *  RUN step weighs against app containers as a build container does. */
export const cpuWeight = (shares: number): number => 1 + Math.floor(((shares - 2) * 9999) / 262142);

export interface CgroupWrite {
  /** relative to the cgroup mount (`/sys/fs/cgroup`) */
  file: string;
  value: string;
}

/** The directories to create and the files to write, in order, for `limits` on `parent`. */
export function stepLimitWrites(version: CgroupVersion, parent: string, limits: Pick<BuildLimits, 'memoryMb' | 'cpus' | 'pidsLimit'>): { dirs: string[]; writes: CgroupWrite[] } {
  const relative = parent.replace(/^\/+/, '');
  const bytes = String(Math.round(limits.memoryMb * 1024 * 1024));
  const quota = String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US)));
  const pids = String(limits.pidsLimit);
  if (version === 2) {
    // Controllers reach a cgroup's files only when every ancestor delegates them.
    const ancestors = ['', ...relative.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))];
    return {
      dirs: [relative],
      writes: [
        ...ancestors.map((dir) => ({ file: join(dir, 'cgroup.subtree_control'), value: '+memory +cpu +pids' })),
        { file: join(relative, 'memory.max'), value: bytes },
        { file: join(relative, 'memory.swap.max'), value: '0' },
        { file: join(relative, 'cpu.max'), value: `${quota} ${CPU_PERIOD_US}` },
        { file: join(relative, 'cpu.weight'), value: String(cpuWeight(BUILD_CPU_SHARES)) },
        { file: join(relative, 'pids.max'), value: pids },
      ],
    };
  }
  const memory = join('memory', relative);
  const cpu = join('cpu', relative);
  return {
    dirs: [memory, cpu, join('pids', relative)],
    writes: [
      // memory+swap may never be below memory: lift it, set memory, then bring it down to it.
      { file: join(memory, 'memory.memsw.limit_in_bytes'), value: '-1' },
      { file: join(memory, 'memory.limit_in_bytes'), value: bytes },
      { file: join(memory, 'memory.memsw.limit_in_bytes'), value: bytes },
      { file: join(cpu, 'cpu.cfs_period_us'), value: String(CPU_PERIOD_US) },
      { file: join(cpu, 'cpu.cfs_quota_us'), value: quota },
      { file: join(cpu, 'cpu.shares'), value: String(BUILD_CPU_SHARES) },
      { file: join('pids', relative, 'pids.max'), value: pids },
    ],
  };
}

/** Whether the memory+swap file is missing because the kernel has no swap accounting. */
function optional(write: CgroupWrite): boolean {
  return write.file.endsWith('memory.memsw.limit_in_bytes') || write.file.endsWith('memory.swap.max');
}

export class StepLimitsError extends Error {
  override name = 'StepLimitsError';
}

export interface StepLimitsHost {
  /** the cgroup mount of the machine the engine runs on */
  cgroupRoot: string;
  parent: string;
  lockFile: string;
}

export const DEFAULT_STEP_LIMITS_HOST: StepLimitsHost = {
  cgroupRoot: '/sys/fs/cgroup',
  parent: BUILDKIT_STEP_CGROUP,
  lockFile: join(tmpdir(), 'slipway-buildkit-steps.lock'),
};

async function cgroupVersion(root: string): Promise<CgroupVersion> {
  return access(join(root, 'cgroup.controllers')).then(() => 2 as const, () => 1 as const);
}

/**
 * Waits for this engine's BuildKit to be free, then writes `limits` on its step cgroup. The lock
 * is held until the build ends. Refuses, in words, when the limits cannot be set.
 */
export async function limitBuildSteps(docker: Docker, limits: Pick<BuildLimits, 'memoryMb' | 'cpus' | 'pidsLimit'>, host: StepLimitsHost = DEFAULT_STEP_LIMITS_HOST): Promise<FileLock> {
  const info = (await docker.info()) as { CgroupDriver?: string };
  if (info.CgroupDriver && info.CgroupDriver !== 'cgroupfs') {
    throw new StepLimitsError(`the engine uses the ${info.CgroupDriver} cgroup driver; Dockerfile builds need cgroupfs (dockerd --exec-opt native.cgroupdriver=cgroupfs) so their RUN steps can be limited`);
  }
  const lock = await acquireFileLock(host.lockFile);
  try {
    const { dirs, writes } = stepLimitWrites(await cgroupVersion(host.cgroupRoot), host.parent, limits);
    for (const dir of dirs) await mkdir(join(host.cgroupRoot, dir), { recursive: true });
    for (const write of writes) {
      const file = join(host.cgroupRoot, write.file);
      if (optional(write) && !(await access(file).then(() => true, () => false))) continue;
      await writeFile(file, write.value).catch(async (err: NodeJS.ErrnoException) => {
        // Delegation that is already there is not an error (a v2 parent with processes refuses it).
        if (write.file.endsWith('cgroup.subtree_control') && (await delegates(file))) return;
        throw new StepLimitsError(`cannot write ${write.value} to ${file}: ${err.code ?? err.message}`);
      });
    }
    return lock;
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function delegates(subtreeControl: string): Promise<boolean> {
  const enabled = new Set((await readFile(subtreeControl, 'utf8').catch(() => '')).trim().split(/\s+/));
  return ['memory', 'cpu', 'pids'].every((controller) => enabled.has(controller));
}

/** What BuildKit's output says when a RUN step was killed for memory (SIGKILL: 128 + 9). */
export function killedForMemory(output: string): boolean {
  return /exit code: 137\b/.test(output);
}
