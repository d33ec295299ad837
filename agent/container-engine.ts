// What the agent needs from a container engine, as a small interface: the instance lifecycle
// is unit-tested against a fake, and docker-engine.ts is the real one (tested against Docker).
import type { ContainerCreateOptions } from 'dockerode';

export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  /** Docker's state word: created, running, paused, restarting, removing, exited, dead. */
  state: string;
}

export interface ContainerDetails extends ContainerSummary {
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  /** When the container last started (ms since the epoch), or null if it never did. */
  startedAtMs: number | null;
  /** Host ports by container port key ("5000/tcp"). */
  publishedPorts: Record<string, number>;
  /** The container's memory limit in MB; absent when it has none. */
  memoryMb?: number;
  /** The container's CPU limit (CPUs); absent when it has none. */
  cpus?: number;
}

export interface ContainerEvent {
  action: 'die' | 'oom';
  containerId: string;
  labels: Record<string, string>;
  exitCode: number | null;
  /** Event time, in seconds since the epoch (what Docker's `since` takes). */
  timeSeconds: number;
}

export interface ContainerLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** ISO 8601 time Docker recorded the line at. */
  at: string;
}

export interface ContainerStats {
  /** memory in use less the page cache the kernel can take back (what `docker stats` shows) */
  memoryRssBytes: number;
  memoryLimitBytes: number;
  /** of one CPU, over the last sampling interval */
  cpuPercent: number;
}

export interface ContainerEngine {
  hasImage(reference: string): Promise<boolean>;
  pullImage(reference: string): Promise<void>;
  /** Creates a container and returns its id. Besides the apps network (its NetworkMode) it joins
   *  the add-on networks of this host named in NetworkingConfig.EndpointsConfig; one that is gone
   *  (its add-on was removed) is left out. */
  createContainer(spec: ContainerCreateOptions): Promise<string>;
  /** Runs a command in a running container of this host (its environment given here: secrets
   *  stay out of argv); answers its exit code and output (the last 16 KiB). */
  execInContainer(id: string, argv: string[], env: Record<string, string>): Promise<{ exitCode: number | null; output: string }>;
  /** Like execInContainer, streaming: `stdin` (if given) is fed to the command; its stdout is
   *  `stdout`, with backpressure, ending when the command exits 0 and erroring (with stderr's
   *  tail) when it exits otherwise. `exited` settles once it has exited. */
  execStreaming(id: string, argv: string[], env: Record<string, string>, stdin?: NodeJS.ReadableStream): Promise<StreamingExec>;
  /** Makes an add-on's own network on this host (addonNetworkSpec), if it is not there. */
  ensureAddonNetwork(addonId: string): Promise<void>;
  /** Removes an add-on's network, cutting off the containers still on it; one already gone is fine. */
  removeAddonNetwork(addonId: string): Promise<void>;
  /** The add-ons (ids) that have a network on this host. */
  listAddonNetworks(): Promise<string[]>;
  startContainer(id: string): Promise<void>;
  /** Sets a running container's CPU limit (`docker update --cpus`). A container already gone is fine. */
  limitCpus(id: string, cpus: number): Promise<void>;
  /** Details of a container, or null when it no longer exists. */
  inspectContainer(id: string): Promise<ContainerDetails | null>;
  /** SIGTERM, then SIGKILL after `graceSeconds`. A container already stopped or gone is fine. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Removes a container (and its anonymous volumes). A container already gone is fine. */
  removeContainer(id: string): Promise<void>;
  /** Containers in any state whose labels match `selector`. */
  listContainers(selector: Record<string, string>): Promise<ContainerSummary[]>;
  /** Streams die and oom events until the stream ends or `signal` aborts. */
  watchEvents(onEvent: (event: ContainerEvent) => void, options: { sinceSeconds?: number; signal: AbortSignal }): Promise<void>;
  /** Attaches to a created container's TTY (stdin, stdout and stderr in one raw stream); call before starting it, so no output is missed. */
  attachContainer(id: string): Promise<NodeJS.ReadWriteStream>;
  /** Sets the size of a container's TTY. */
  resizeContainer(id: string, cols: number, rows: number): Promise<void>;
  /** Creates a named volume labeled for this host (an add-on's data); an existing one of this host is kept. */
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes a named volume of this host; one already gone is fine. */
  removeVolume(name: string): Promise<void>;
  /** A running container's memory and CPU use now (null: it is gone or stopped). */
  containerStats(id: string): Promise<ContainerStats | null>;
  /** Follows a container's output until it stops or `signal` aborts. */
  followLogs(id: string, onLine: (line: ContainerLogLine) => void, options: { sinceSeconds?: number; signal: AbortSignal }): Promise<void>;
}

export interface StreamingExec {
  stdout: NodeJS.ReadableStream;
  exited: Promise<{ exitCode: number | null; stderr: string }>;
}
