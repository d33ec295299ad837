// How a build container is configured, as data (pure): the build image, running as the app
// user, unprivileged, limited in memory, CPU, processes and time, with the source, the cache,
// the runtime and the CA bundle mounted. Build steps run in it through `docker exec`.
import type Docker from 'dockerode';
import { BUILD_CONTAINER_LABELS } from '../common/labels.js';
import { BUILDS_NETWORK } from '../common/networks.js';
import { BUILD_CPU_SHARES, type BuildLimits } from './config.js';
import { nanoCpus } from '../common/docker-limits.js';

export interface BuildMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface BuildContainerSpec {
  image: string;
  user: string;
  workingDir: string;
  env: string[];
  mounts: BuildMount[];
  labels: Record<string, string>;
  limits: BuildLimits;
  /** No network at all (Docker's `none`): for steps that fetch nothing, which then start faster too. */
  offline?: boolean;
}

/** How long a build container outlives its wall-clock limit when nobody stops it (its builder died). */
export const ORPHAN_BACKSTOP_SECONDS = 60;
export const BUILD_ROLE_LABEL = BUILD_CONTAINER_LABELS.role;
export const BUILD_ID_LABEL = BUILD_CONTAINER_LABELS.buildId;
export const BUILD_APP_LABEL = BUILD_CONTAINER_LABELS.app;

export function buildContainerLabels(buildId: string, appName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [BUILD_ROLE_LABEL]: 'build', [BUILD_ID_LABEL]: buildId, [BUILD_APP_LABEL]: appName };
}

/** `network`: the builds network's id (BuildContainer.start ensures it), unless the spec is offline. */
export function buildContainerOptions(spec: BuildContainerSpec, network: string = BUILDS_NETWORK.name): Docker.ContainerCreateOptions {
  const memory = Math.round(spec.limits.memoryMb * 1024 * 1024);
  return {
    Image: spec.image,
    // The builder's timer stops the build at the limit; this sleep only ends a container whose
    // builder died, a little later, so it never races the timer.
    Cmd: ['sleep', String(Math.ceil(spec.limits.timeoutSeconds) + ORPHAN_BACKSTOP_SECONDS)],
    User: spec.user,
    WorkingDir: spec.workingDir,
    Env: spec.env,
    Labels: spec.labels,
    HostConfig: {
      Init: true,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,exec,size=1g' },
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: nanoCpus(spec.limits.cpus),
      CpuShares: BUILD_CPU_SHARES,
      PidsLimit: spec.limits.pidsLimit,
      // Egress only, away from apps, other builds and the host's services (common/networks.ts).
      NetworkMode: spec.offline ? 'none' : network,
      Mounts: spec.mounts.map((mount) => ({ Type: 'bind', Source: mount.source, Target: mount.target, ReadOnly: mount.readOnly })),
    },
  };
}

export function execOptions(argv: readonly string[], spec: Pick<BuildContainerSpec, 'user' | 'workingDir' | 'env'>): Docker.ExecCreateOptions {
  return { Cmd: [...argv], User: spec.user, WorkingDir: spec.workingDir, Env: spec.env, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false };
}
