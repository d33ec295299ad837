// An in-memory ContainerEngine for unit tests of the instance lifecycle. The real one,
// DockerContainerEngine, is tested against Docker in docker-engine.test.ts.
import type { ContainerCreateOptions } from 'dockerode';
import { cpusOf, nanoCpus } from '../../common/docker-limits.js';
import type { ContainerDetails, ContainerEngine, ContainerEvent, ContainerLogLine, ContainerStats, ContainerSummary } from '../container-engine.js';

interface FakeContainer {
  id: string;
  spec: ContainerCreateOptions;
  state: 'created' | 'running' | 'exited';
  exitCode: number | null;
  oomKilled: boolean;
  port: number | null;
  startedAtMs: number | null;
  logListeners: Set<(line: ContainerLogLine | null) => void>;
}

export class FakeEngine implements ContainerEngine {
  readonly images = new Set<string>();
  readonly containers = new Map<string, FakeContainer>();
  readonly pulls: string[] = [];
  readonly removed: string[] = [];
  readonly stops: { id: string; graceSeconds: number }[] = [];
  /** Each limitCpus call, in order. */
  readonly cpuLimits: { id: string; cpus: number }[] = [];
  /** Date.now() of each stop, in the order of `stops` */
  readonly stopTimes: number[] = [];
  /** How many times inspectContainer was called. */
  inspections = 0;
  /** Called with every die event the fake produces (the agent wires the real stream the same way). */
  onEvent: (event: ContainerEvent) => void = () => {};
  /** Set to make pulls fail. */
  pullError: Error | null = null;
  /** Exit code a container gets when stopped. */
  stopExitCode = 143;
  private nextId = 1;
  private nextPort = 40000;

  async hasImage(reference: string): Promise<boolean> {
    return this.images.has(reference);
  }

  async pullImage(reference: string): Promise<void> {
    this.pulls.push(reference);
    if (this.pullError) throw this.pullError;
    this.images.add(reference);
  }

  async createContainer(spec: ContainerCreateOptions): Promise<string> {
    if (!spec.Image || !this.images.has(spec.Image)) throw new Error(`no such image: ${spec.Image}`);
    const id = `c${this.nextId++}`.padEnd(64, '0');
    this.containers.set(id, {
      id,
      spec,
      state: 'created',
      exitCode: null,
      oomKilled: false,
      port: null,
      startedAtMs: null,
      logListeners: new Set(),
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const container = this.get(id);
    container.state = 'running';
    container.port = this.nextPort++;
    container.startedAtMs = Date.now();
  }

  async limitCpus(id: string, cpus: number): Promise<void> {
    this.cpuLimits.push({ id, cpus });
    const container = this.containers.get(id);
    if (container) container.spec = { ...container.spec, HostConfig: { ...container.spec.HostConfig, NanoCpus: nanoCpus(cpus) } };
  }

  /** What containerStats answers for a running container: a quarter of its memory limit, 12.5% CPU. */
  async containerStats(id: string): Promise<ContainerStats | null> {
    const container = this.containers.get(id);
    if (!container || container.state !== 'running') return null;
    const limit = container.spec.HostConfig?.Memory ?? 512 * 1024 * 1024;
    return { memoryRssBytes: limit / 4, memoryLimitBytes: limit, cpuPercent: 12.5 };
  }

  async inspectContainer(id: string): Promise<ContainerDetails | null> {
    this.inspections++;
    const container = this.containers.get(id);
    if (!container) return null;
    return {
      id,
      labels: { ...(container.spec.Labels ?? {}) },
      state: container.state,
      running: container.state === 'running',
      exitCode: container.exitCode,
      oomKilled: container.oomKilled,
      startedAtMs: container.startedAtMs,
      publishedPorts: container.state === 'running' && container.port ? { '5000/tcp': container.port } : {},
      ...(container.spec.HostConfig?.Memory ? { memoryMb: container.spec.HostConfig.Memory / (1024 * 1024) } : {}),
      ...(container.spec.HostConfig?.NanoCpus ? { cpus: cpusOf(container.spec.HostConfig.NanoCpus) } : {}),
    };
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.stops.push({ id, graceSeconds });
    this.stopTimes.push(Date.now());
    const container = this.containers.get(id);
    if (container?.state === 'running') this.exit(id, this.stopExitCode);
  }

  async removeContainer(id: string): Promise<void> {
    if (!this.containers.has(id)) return;
    this.removed.push(id);
    this.containers.delete(id);
  }

  async listContainers(selector: Record<string, string>): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((container) => Object.entries(selector).every(([key, value]) => container.spec.Labels?.[key] === value))
      .map((container) => ({ id: container.id, labels: { ...(container.spec.Labels ?? {}) }, state: container.state }));
  }

  async watchEvents(_onEvent: (event: ContainerEvent) => void, _options: { sinceSeconds?: number; signal: AbortSignal }): Promise<void> {
    throw new Error('the fake delivers events through onEvent');
  }

  attachContainer(): Promise<NodeJS.ReadWriteStream> {
    return Promise.reject(new Error('the fake engine has no TTYs: attached runs are tested against Docker'));
  }

  async resizeContainer(): Promise<void> {}
  readonly volumes = new Map<string, Record<string, string>>();
  readonly addonNetworks = new Set<string>();
  async execInContainer(): Promise<{ exitCode: number | null; output: string }> {
    throw new Error('the fake engine runs no commands: exec is tested against Docker');
  }
  async execStreaming(): Promise<never> {
    throw new Error('the fake engine runs no commands: exec is tested against Docker');
  }
  async ensureAddonNetwork(addonId: string): Promise<void> {
    this.addonNetworks.add(addonId);
  }
  async removeAddonNetwork(addonId: string): Promise<void> {
    this.addonNetworks.delete(addonId);
  }
  async listAddonNetworks(): Promise<string[]> {
    return [...this.addonNetworks];
  }
  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    if (!this.volumes.has(name)) this.volumes.set(name, labels);
  }
  async removeVolume(name: string): Promise<void> {
    this.volumes.delete(name);
  }

  followLogs(id: string, onLine: (line: ContainerLogLine) => void, options: { signal: AbortSignal }): Promise<void> {
    const container = this.get(id);
    return new Promise((resolve) => {
      const listener = (line: ContainerLogLine | null) => {
        if (line) return onLine(line);
        container.logListeners.delete(listener);
        resolve();
      };
      container.logListeners.add(listener);
      options.signal.addEventListener('abort', () => listener(null), { once: true });
      if (container.state === 'exited') listener(null);
    });
  }

  /** The container writes a line. */
  say(id: string, text: string): void {
    for (const listener of this.get(id).logListeners) listener({ stream: 'stdout', text, at: new Date().toISOString() });
  }

  /** The container's process exits; a die event follows unless `silently`. */
  exit(id: string, exitCode: number, options: { oomKilled?: boolean; silently?: boolean } = {}): void {
    const container = this.get(id);
    container.state = 'exited';
    container.exitCode = exitCode;
    container.oomKilled = options.oomKilled ?? false;
    for (const listener of [...container.logListeners]) listener(null);
    if (!options.silently) {
      this.onEvent({ action: 'die', containerId: id, labels: { ...(container.spec.Labels ?? {}) }, exitCode, timeSeconds: Math.floor(Date.now() / 1000) });
    }
  }

  /** A container as an earlier agent left it. */
  async plant(spec: ContainerCreateOptions, state: FakeContainer['state'], exitCode: number | null = null): Promise<string> {
    this.images.add(spec.Image!);
    const id = await this.createContainer(spec);
    if (state !== 'created') await this.startContainer(id);
    if (state === 'exited') this.exit(id, exitCode ?? 0, { silently: true });
    return id;
  }

  container(id: string): FakeContainer | undefined {
    return this.containers.get(id);
  }

  private get(id: string): FakeContainer {
    const container = this.containers.get(id);
    if (!container) throw new Error(`no such container: ${id}`);
    return container;
  }
}
