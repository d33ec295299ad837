// The real ContainerEngine, over the Docker Engine API (dockerode). It is scoped to one host:
// every list and event filter carries the host's labels, and every operation on a container
// id first checks that the container carries them, so an id that came from anywhere cannot
// make this agent touch another host's (or anyone else's) container.
import { PassThrough } from 'node:stream';
import { StdoutDemux } from './exec-demux.js';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { describeError } from '../common/errors.js';
import { ADDON_NETWORK_PREFIX, APPS_NETWORK, ensureIsolatedNetwork, IsolatedNetwork, networksNamed, removeHostFirewall, removeNetwork } from '../common/networks.js';
import { addonNetworkSpec } from './addon-spec.js';
import type { RegistryCredentials, RegistryCredentialsSource } from '../common/registry-auth.js';
import type { ContainerDetails, ContainerEngine, ContainerEvent, ContainerLogLine, ContainerStats, ContainerSummary, StreamingExec } from './container-engine.js';
import { containerStatsOf, type DockerStats } from './container-stats.js';
import { detailsFromInspect, parseContainerEvent, splitTimestamp } from './docker-facts.js';
import { followProgress } from '../common/docker-progress.js';
import { pullFailureMessage, pullRequest } from './image-pull.js';
import { hostSelector, labelFilters, matchesSelector } from './labels.js';
import { ADDON_LABELS, NETWORK_LABELS } from '../common/labels.js';
import { nanoCpus } from '../common/docker-limits.js';

/** The tail of a command's output kept for its caller. */
const EXEC_OUTPUT_KEPT = 16 * 1024;

export class ForeignContainerError extends Error {
  override name = 'ForeignContainerError';
  constructor(id: string, hostId: string) {
    super(`container ${id.slice(0, 12)} is not labeled for host ${hostId}: refusing to touch it`);
  }
}

export class DockerEngineError extends Error {
  override name = 'DockerEngineError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

export interface DockerEngineOptions {
  /** The platform registry and its credentials, read at each pull (none: an open registry). */
  registryAuth?: { registry: string; credentials: RegistryCredentialsSource };
  /** Where a host that cannot apply the apps network's firewall rule says so. */
  warn?: (message: string) => void;
  /** The range add-on networks take their subnets from (default: DEFAULT_ADDON_SUBNETS). */
  addonSubnets?: string;
}

export class DockerContainerEngine implements ContainerEngine {
  private readonly ownLabels: Record<string, string>;
  private readonly appsNetwork: IsolatedNetwork;

  constructor(
    private readonly docker: Docker,
    readonly hostId: string,
    private readonly options: DockerEngineOptions = {},
  ) {
    this.ownLabels = hostSelector(hostId);
    this.appsNetwork = new IsolatedNetwork(docker, APPS_NETWORK, options.warn ?? (() => {}));
  }

  async hasImage(reference: string): Promise<boolean> {
    try {
      await this.docker.getImage(reference).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw new DockerEngineError(`could not inspect image ${reference}`, { cause: err });
    }
  }

  async pullImage(reference: string): Promise<void> {
    const auth = this.options.registryAuth;
    let credentials: RegistryCredentials | null = null;
    try {
      // Read at each pull: the file is refreshed behind our back (every 6 h on AWS).
      credentials = auth ? await auth.credentials() : null;
    } catch (err) {
      throw new DockerEngineError(`could not pull ${reference}: no usable registry credentials`, { cause: err });
    }
    const { authconfig, fromImage, tag } = pullRequest(reference, auth ? { registry: auth.registry, credentials } : null);
    const sentCredentials = authconfig.password !== undefined;
    try {
      const stream = await this.docker.createImage(authconfig, { fromImage, tag });
      await followProgress(this.docker.modem, stream, `pulling ${reference}`);
    } catch (err) {
      throw new DockerEngineError(pullFailureMessage(reference, describeError(err), sentCredentials), { cause: err });
    }
  }

  async createContainer(spec: ContainerCreateOptions): Promise<string> {
    if (!matchesSelector(spec.Labels, this.ownLabels)) {
      throw new DockerEngineError(`refusing to create a container not labeled for host ${this.hostId}`);
    }
    if (spec.HostConfig?.NetworkMode !== APPS_NETWORK.name) {
      throw new DockerEngineError(`refusing to create a container outside the ${APPS_NETWORK.name} network`);
    }
    const { NetworkingConfig, ...single } = spec;
    const extra = Object.entries(NetworkingConfig?.EndpointsConfig ?? {});
    const foreign = extra.find(([name]) => !name.startsWith(ADDON_NETWORK_PREFIX));
    if (foreign) throw new DockerEngineError(`refusing to join a container to ${foreign[0]}: only add-on networks are joined besides ${APPS_NETWORK.name}`);
    const id = await this.appsNetwork.join(async (networkId) => {
      const container = await this.docker.createContainer({ ...single, HostConfig: { ...spec.HostConfig, NetworkMode: networkId } });
      return container.id;
    });
    try {
      // Docker's API 1.41 (Debian 12's engine) takes one network at create; the rest are joined
      // before the container starts.
      for (const [name, endpoint] of extra) await this.joinAddonNetwork(id, name, endpoint.Aliases ?? []);
    } catch (err) {
      await this.docker.getContainer(id).remove({ force: true }).catch(() => {});
      throw err;
    }
    return id;
  }

  async execInContainer(id: string, argv: string[], env: Record<string, string>): Promise<{ exitCode: number | null; output: string }> {
    await this.ownContainer(id);
    const container = this.docker.getContainer(id);
    try {
      const exec = await container.exec({ Cmd: argv, Env: Object.entries(env).map(([key, value]) => `${key}=${value}`), AttachStdout: true, AttachStderr: true, Tty: false });
      const stream = await exec.start({ hijack: true, stdin: false });
      const output = new PassThrough();
      this.docker.modem.demuxStream(stream, output, output);
      let text = '';
      output.on('data', (chunk: Buffer) => (text = (text + chunk.toString('utf8')).slice(-EXEC_OUTPUT_KEPT)));
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      const { ExitCode } = (await exec.inspect()) as { ExitCode: number | null };
      return { exitCode: ExitCode, output: text };
    } catch (err) {
      throw new DockerEngineError(`could not run a command in container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async execStreaming(id: string, argv: string[], env: Record<string, string>, stdin?: NodeJS.ReadableStream): Promise<StreamingExec> {
    await this.ownContainer(id);
    const container = this.docker.getContainer(id);
    let exec: Docker.Exec;
    let stream: NodeJS.ReadWriteStream;
    try {
      exec = await container.exec({ Cmd: argv, Env: Object.entries(env).map(([key, value]) => `${key}=${value}`), AttachStdin: Boolean(stdin), AttachStdout: true, AttachStderr: true, Tty: false });
      stream = (await exec.start({ hijack: true, stdin: Boolean(stdin) })) as NodeJS.ReadWriteStream;
    } catch (err) {
      throw new DockerEngineError(`could not run a command in container ${id.slice(0, 12)}`, { cause: err });
    }
    // the command's stdout, with its end held until its exit code is known: a failed command
    // errors the stream, so whatever consumes it (an upload) never completes on partial output
    const demux = new StdoutDemux();
    const stdout = new PassThrough();
    const exited = new Promise<{ exitCode: number | null; stderr: string }>((resolve, reject) => {
      stream.on('error', (err: Error) => demux.destroy(err));
      stream.pipe(demux).pipe(stdout, { end: false });
      // a consumer that gives up (a failed upload) closes the connection: the command's next
      // write fails and it ends, instead of blocking for ever on a full pipe
      stdout.on('close', () => (stream as unknown as { destroy(): void }).destroy());
      demux.on('error', (err) => {
        stdout.destroy(err);
        reject(err);
      });
      demux.on('end', () => {
        exec.inspect().then(
          (info) => {
            const exitCode = (info as { ExitCode: number | null }).ExitCode;
            if (exitCode === 0) stdout.end();
            else stdout.destroy(new Error(`exited with ${exitCode}: ${demux.stderr.trim().split('\n').at(-1) ?? ''}`));
            resolve({ exitCode, stderr: demux.stderr });
          },
          (err: unknown) => {
            stdout.destroy(err as Error);
            reject(err);
          },
        );
      });
    });
    exited.catch(() => undefined);
    if (stdin) {
      // input that fails midway ends the command's stdin: the command sees a cut-off input, never a hang
      stdin.on('error', () => stream.end());
      stdin.pipe(stream);
    }
    return { stdout, exited };
  }

  async ensureAddonNetwork(addonId: string): Promise<void> {
    await ensureIsolatedNetwork(this.docker, addonNetworkSpec(this.hostId, addonId, this.options.addonSubnets), this.options.warn ?? (() => {}));
  }

  async removeAddonNetwork(addonId: string): Promise<void> {
    const spec = addonNetworkSpec(this.hostId, addonId);
    await removeNetwork(this.docker, spec);
    await removeHostFirewall(spec).catch((err: unknown) => this.options.warn?.(`${spec.name}: its firewall rule stays: ${describeError(err)}`));
  }

  async listAddonNetworks(): Promise<string[]> {
    const networks = await this.docker.listNetworks({ filters: { label: [...labelFilters(this.ownLabels), `${NETWORK_LABELS.role}=addon`] } });
    return [...new Set(networks.flatMap((network) => network.Labels?.[ADDON_LABELS.addon] ?? []))];
  }

  /** Joins a created container to one of this host's add-on networks (by its labels); skips one that is gone. */
  private async joinAddonNetwork(containerId: string, name: string, aliases: string[]): Promise<void> {
    const [network] = await networksNamed(this.docker, name);
    if (!network) {
      this.options.warn?.(`${name} is gone (its add-on was removed): the container does not join it`);
      return;
    }
    if (!matchesSelector(network.Labels ?? {}, this.ownLabels)) throw new DockerEngineError(`network ${name} is not labeled for host ${this.hostId}: refusing to join it`);
    try {
      await this.docker.getNetwork(network.Id).connect({ Container: containerId, EndpointConfig: { Aliases: aliases } });
    } catch (err) {
      throw new DockerEngineError(`could not join container ${containerId.slice(0, 12)} to ${name}`, { cause: err });
    }
  }

  /** The apps network's id, ensured once per engine (and again after it went missing). */
  ensureAppsNetwork(): Promise<string> {
    return this.appsNetwork.ensure();
  }

  async startContainer(id: string): Promise<void> {
    await this.ownContainer(id);
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      // 304: already started.
      if (statusCode(err) !== 304) throw new DockerEngineError(`could not start container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async limitCpus(id: string, cpus: number): Promise<void> {
    if (!(await this.ownContainer(id))) return;
    try {
      await this.docker.getContainer(id).update({ NanoCpus: nanoCpus(cpus) });
    } catch (err) {
      if (statusCode(err) !== 404) throw new DockerEngineError(`could not set the CPU limit of container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async inspectContainer(id: string): Promise<ContainerDetails | null> {
    let details: ContainerDetails;
    try {
      details = detailsFromInspect(await this.docker.getContainer(id).inspect());
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw new DockerEngineError(`could not inspect container ${id.slice(0, 12)}`, { cause: err });
    }
    if (!matchesSelector(details.labels, this.ownLabels)) throw new ForeignContainerError(id, this.hostId);
    return details;
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    if (!(await this.ownContainer(id))) return;
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      const code = statusCode(err);
      if (code !== 304 && code !== 404) throw new DockerEngineError(`could not stop container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async removeContainer(id: string): Promise<void> {
    if (!(await this.ownContainer(id))) return;
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 404: gone; 409: removal already in progress.
      const code = statusCode(err);
      if (code !== 404 && code !== 409) throw new DockerEngineError(`could not remove container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    if (!matchesSelector(labels, this.ownLabels)) throw new DockerEngineError(`refusing to create a volume not labeled for host ${this.hostId}`);
    const existing = await this.volumeLabels(name);
    if (existing) {
      if (!matchesSelector(existing, this.ownLabels)) throw new DockerEngineError(`volume ${name} exists but is not labeled for host ${this.hostId}: refusing to use it`);
      return;
    }
    try {
      await this.docker.createVolume({ Name: name, Driver: 'local', Labels: labels });
    } catch (err) {
      throw new DockerEngineError(`could not create volume ${name}`, { cause: err });
    }
  }

  async removeVolume(name: string): Promise<void> {
    const labels = await this.volumeLabels(name);
    if (!labels) return;
    if (!matchesSelector(labels, this.ownLabels)) throw new DockerEngineError(`volume ${name} is not labeled for host ${this.hostId}: refusing to remove it`);
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (statusCode(err) !== 404) throw new DockerEngineError(`could not remove volume ${name}`, { cause: err });
    }
  }

  private async volumeLabels(name: string): Promise<Record<string, string> | null> {
    try {
      const info = (await this.docker.getVolume(name).inspect()) as { Labels?: Record<string, string> | null };
      return info.Labels ?? {};
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw new DockerEngineError(`could not inspect volume ${name}`, { cause: err });
    }
  }

  async attachContainer(id: string): Promise<NodeJS.ReadWriteStream> {
    await this.ownContainer(id);
    return (await this.docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as NodeJS.ReadWriteStream;
  }

  async resizeContainer(id: string, cols: number, rows: number): Promise<void> {
    if (!(await this.ownContainer(id))) return;
    await this.docker.getContainer(id).resize({ w: cols, h: rows });
  }

  async containerStats(id: string): Promise<ContainerStats | null> {
    try {
      // one sample with its predecessor (Docker waits a second for it): CPU over that second
      return containerStatsOf((await this.docker.getContainer(id).stats({ stream: false })) as DockerStats);
    } catch (err) {
      if (statusCode(err) === 404 || statusCode(err) === 409) return null;
      throw new DockerEngineError(`could not read the stats of container ${id.slice(0, 12)}`, { cause: err });
    }
  }

  async listContainers(selector: Record<string, string>): Promise<ContainerSummary[]> {
    // A selector that names another host selects nothing this agent may see.
    if (Object.entries(this.ownLabels).some(([key, value]) => key in selector && selector[key] !== value)) return [];
    const filters = { label: labelFilters({ ...selector, ...this.ownLabels }) };
    const containers = await this.docker.listContainers({ all: true, filters });
    return containers
      .filter((info) => matchesSelector(info.Labels, this.ownLabels))
      .map((info) => ({ id: info.Id, labels: info.Labels ?? {}, state: info.State }));
  }

  async watchEvents(onEvent: (event: ContainerEvent) => void, options: { sinceSeconds?: number; signal: AbortSignal }): Promise<void> {
    const stream = (await this.docker.getEvents({
      ...(options.sinceSeconds === undefined ? {} : { since: options.sinceSeconds }),
      filters: { type: ['container'], event: ['die', 'oom'], label: labelFilters(this.ownLabels) },
      abortSignal: options.signal,
    } as object)) as NodeJS.ReadableStream;
    await readLines(stream, options.signal, (line) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return;
      }
      const event = parseContainerEvent(raw);
      if (event && matchesSelector(event.labels, this.ownLabels)) onEvent(event);
    });
  }

  async followLogs(
    id: string,
    onLine: (line: ContainerLogLine) => void,
    options: { sinceSeconds?: number; signal: AbortSignal },
  ): Promise<void> {
    if (!(await this.ownContainer(id))) return;
    const stream = (await this.docker.getContainer(id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(options.sinceSeconds === undefined ? {} : { since: options.sinceSeconds }),
      abortSignal: options.signal,
    } as object)) as unknown as NodeJS.ReadableStream;
    // Without a TTY, Docker multiplexes stdout and stderr into one framed stream.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const end = () => {
      stdout.end();
      stderr.end();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
    const emit = (name: 'stdout' | 'stderr') => (raw: string) => onLine({ stream: name, ...splitTimestamp(raw) });
    await Promise.all([readLines(stdout, options.signal, emit('stdout')), readLines(stderr, options.signal, emit('stderr'))]);
  }

  /** Whether the container exists and is ours; throws ForeignContainerError when it is not ours. */
  private async ownContainer(id: string): Promise<boolean> {
    return (await this.inspectContainer(id)) !== null;
  }
}

/** Calls `onLine` for each line until the stream ends, fails or `signal` aborts. */
function readLines(stream: NodeJS.ReadableStream, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const lines = createInterface({ input: stream as NodeJS.ReadableStream, crlfDelay: Infinity });
    const finish = () => {
      signal.removeEventListener('abort', finish);
      lines.close();
      resolve();
    };
    lines.on('line', onLine);
    lines.on('close', finish);
    stream.on('error', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}
