// One-off containers on this host (Heroku's one-off dynos): a release phase, a detached run.
// Each runs one command to its end under the same limits as an instance, is never restarted
// or routed, and reports its output lines and then its exit on its own events subject (and the
// lines to the app's log as its dyno name). Memory is admitted from the same ledger as
// instances, so one-offs count for the host's capacity.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { LogLine, OneOffEvent, OneOffInput, Reply, RunOneOffRequest } from '../common/protocol.js';
import type { MemoryLedger } from './capacity.js';
import type { ContainerEngine } from './container-engine.js';
import { oneOffContainerSpec, type HostSettings } from './container-spec.js';
import { hostSelector, isOneOff, LABELS } from './labels.js';

export interface OneOffReports {
  /** An event of one run, in order: output lines, then exactly one exit. */
  event(runId: string, event: OneOffEvent): void;
  logLine(line: LogLine): void;
}

export interface OneOffRunnerDeps {
  host: HostSettings;
  engine: ContainerEngine;
  memory: MemoryLedger;
  reports: OneOffReports;
  log: Logger;
  /** How often a run whose log stream ended is checked until its container has stopped. */
  exitPollMs?: number;
}

/** Pure: why a one-off ended, in words its user can act on. */
export function oneOffEnding(exit: { exitCode: number | null; oomKilled: boolean; timedOutAfterSeconds: number | null }): string {
  if (exit.timedOutAfterSeconds !== null) return `killed after ${exit.timedOutAfterSeconds} s, the time limit of a one-off run`;
  if (exit.oomKilled) return 'killed for using more memory than its size allows (R14)';
  if (exit.exitCode === null) return 'ended without an exit code';
  return `exited with code ${exit.exitCode}`;
}

/** The ledger's key for a run, apart from instance ids. */
const ledgerKey = (runId: string) => `one-off:${runId}`;

export class OneOffRunner {
  private readonly running = new Map<string, { containerId: string; watchers: AbortController; done: Promise<void>; tty: NodeJS.ReadWriteStream | null; inputs: Promise<void> }>();
  private closed = false;

  constructor(private readonly deps: OneOffRunnerDeps) {}

  /** Starts the run and answers once its container has started; the rest is reported as events. */
  async run(request: RunOneOffRequest): Promise<Reply> {
    if (this.closed) return { ok: false, error: 'the agent is shutting down' };
    if (this.running.has(request.runId)) return { ok: true }; // a retried request: it runs already
    const { engine, host, memory } = this.deps;
    let spec;
    try {
      spec = oneOffContainerSpec(request, host);
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
    const refusal = memory.admit(ledgerKey(request.runId), request.dyno, request.memoryMb);
    if (refusal !== null) return { ok: false, error: refusal };
    let containerId: string | null = null;
    let tty: NodeJS.ReadWriteStream | null = null;
    try {
      if (!(await engine.hasImage(spec.Image!))) await engine.pullImage(spec.Image!);
      containerId = await engine.createContainer(spec);
      // Attached before it starts, so not a byte of its first output is missed.
      if (request.tty) tty = await engine.attachContainer(containerId);
      await engine.startContainer(containerId);
      if (request.tty) await engine.resizeContainer(containerId, request.tty.cols, request.tty.rows).catch(() => {});
    } catch (err) {
      if (containerId) await engine.removeContainer(containerId).catch(() => {});
      memory.release(ledgerKey(request.runId));
      this.deps.log.error({ run: request.runId, dyno: request.dyno, err: describeError(err) }, 'could not start a one-off run');
      return { ok: false, error: `could not start ${request.dyno}: ${describeError(err)}` };
    }
    const watchers = new AbortController();
    const done = this.watch(request, containerId, tty, watchers.signal).finally(() => this.running.delete(request.runId));
    this.running.set(request.runId, { containerId, watchers, done, tty, inputs: Promise.resolve() });
    this.deps.log.info({ run: request.runId, app: request.appName, dyno: request.dyno }, 'one-off run started');
    return { ok: true };
  }

  /** Input for an attached run: keys typed, a new window size, or the end of input. Applied in
   *  the order sent: keys typed after a resize reach a terminal of the new size. */
  input(runId: string, input: OneOffInput): Promise<void> {
    const run = this.running.get(runId);
    const tty = run?.tty;
    if (!run || !tty) return Promise.resolve();
    const apply = async () => {
      if (input.kind === 'stdin') tty.write(Buffer.from(input.data, 'base64'));
      else if (input.kind === 'eof') tty.end();
      else await this.deps.engine.resizeContainer(run.containerId, input.cols, input.rows).catch((err: unknown) => this.deps.log.warn({ run: runId, err: String(err) }, 'could not resize a one-off run'));
    };
    run.inputs = run.inputs.then(apply);
    return run.inputs;
  }

  /** Stops a run (SIGTERM, then SIGKILL after `graceSeconds`); its exit is reported as usual. */
  async stop(runId: string, graceSeconds: number): Promise<Reply> {
    const run = this.running.get(runId);
    if (!run) return { ok: false, error: `no one-off run ${runId} on this host` };
    await this.deps.engine.stopContainer(run.containerId, graceSeconds);
    await run.done;
    return { ok: true };
  }

  /** After an agent restart: runs an earlier agent left behind are not followed by anyone; they
   *  are removed and reported ended, so whoever waits for them hears at once. */
  async removeLeftovers(): Promise<void> {
    const { engine, host } = this.deps;
    for (const container of await engine.listContainers(hostSelector(host.hostId))) {
      if (!isOneOff(container.labels)) continue;
      await engine.stopContainer(container.id, 0);
      await engine.removeContainer(container.id);
      this.deps.reports.event(container.labels[LABELS.oneOff]!, { kind: 'exit', exitCode: null, reason: 'the host agent restarted during the run' });
      this.deps.log.warn({ run: container.labels[LABELS.oneOff] }, 'removed a one-off run left by an earlier agent');
    }
  }

  /** Stops taking runs; with `stopRuns`, kills the running ones (each reports its exit). */
  async shutdown(stopRuns: boolean): Promise<void> {
    this.closed = true;
    const runs = [...this.running.values()];
    if (stopRuns) await Promise.all(runs.map((run) => this.deps.engine.stopContainer(run.containerId, 0).catch(() => {})));
    else for (const run of runs) run.watchers.abort();
    await Promise.allSettled(runs.map((run) => run.done));
  }

  private async watch(request: RunOneOffRequest, containerId: string, tty: NodeJS.ReadWriteStream | null, signal: AbortSignal): Promise<void> {
    const { engine, reports } = this.deps;
    let timedOutAfterSeconds: number | null = null;
    const timer = setTimeout(() => {
      timedOutAfterSeconds = request.timeoutSeconds;
      engine.stopContainer(containerId, 0).catch((err) => this.deps.log.warn({ run: request.runId, err: describeError(err) }, 'could not kill a one-off run'));
    }, request.timeoutSeconds * 1000);
    try {
      if (tty) {
        // An attached run's bytes go to whoever attached, not to the app's log (Heroku's way).
        await new Promise<void>((resolve) => {
          tty.on('data', (chunk: Buffer) => reports.event(request.runId, { kind: 'data', data: chunk.toString('base64') }));
          tty.once('end', resolve);
          tty.once('close', resolve);
          tty.once('error', () => resolve());
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } else {
        await engine.followLogs(
          containerId,
          (line) => {
            reports.event(request.runId, { kind: 'output', line: line.text, at: line.at });
            reports.logLine({ appName: request.appName, appId: request.appId, source: 'app', process: request.dyno, line: line.text, at: line.at });
          },
          { signal },
        );
      }
      // The log stream ends when the container stops; it may end early (a daemon hiccup).
      let details = await engine.inspectContainer(containerId);
      while (details?.running && !signal.aborted) {
        await sleep(this.deps.exitPollMs ?? 250);
        details = await engine.inspectContainer(containerId);
      }
      if (signal.aborted) return; // the agent stops without stopping runs: the next one reports them
      const reason = oneOffEnding({ exitCode: details?.exitCode ?? null, oomKilled: details?.oomKilled ?? false, timedOutAfterSeconds });
      reports.event(request.runId, { kind: 'exit', exitCode: details?.exitCode ?? null, reason });
      this.deps.log.info({ run: request.runId, dyno: request.dyno, reason }, 'one-off run ended');
      await engine.removeContainer(containerId);
    } catch (err) {
      this.deps.log.error({ run: request.runId, err: describeError(err) }, 'one-off run bookkeeping failed');
      reports.event(request.runId, { kind: 'exit', exitCode: null, reason: `the host lost track of the run: ${describeError(err)}` });
    } finally {
      clearTimeout(timer);
      if (!signal.aborted) this.deps.memory.release(ledgerKey(request.runId));
    }
  }
}
