// One-off runs from the control plane's side: place the run on a host with room, start it
// through that host's agent, and hear its output and exit on the run's own events subject.
// Used by the release phase; one-off dynos (`run:detached`) will use it too.
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from 'nats';
import { SlipwayError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { decode, encode, oneOffEvent, subjects, type AddonLink, type OneOffInput } from '../../common/protocol.js';
import { DYNO_SIZES, type App, type DynoSize, type ImageRef } from '../../common/types.js';
import type { AgentClient } from '../agents/client.js';
import { chooseHost, memoryInUseMb } from '../scheduler/placement.js';
import type { HostStore } from '../store/hosts.js';
import type { InstanceStore } from '../store/instances.js';

export interface OneOffSpec {
  app: App;
  /** `release.7`: its name in DYNO and in the app's log */
  dyno: string;
  image: ImageRef;
  command: string;
  /** Config vars: secrets, never logged. */
  env: Record<string, string>;
  size: DynoSize;
  timeoutSeconds: number;
  /** An attached run's TTY size (its bytes come to `onData`, its input goes through `send`). */
  tty?: { cols: number; rows: number } | null;
}

export interface OneOffOutcome {
  exitCode: number | null;
  /** Why it ended, in words: "exited with code 1", "killed after 60 s, ...". */
  reason: string;
}

/** A one-off that has started: where it runs, and its end to come. */
export interface StartedOneOff {
  runId: string;
  hostId: string;
  ended: Promise<OneOffOutcome>;
  /** Input for an attached run's TTY. */
  send(input: OneOffInput): void;
}

/** Where a run's output goes: detached runs' lines, attached runs' raw bytes. */
export interface OneOffOutput {
  line?: (line: string) => void;
  data?: (bytes: Buffer) => void;
}

/** Runs one-off containers on the platform's hosts. */
export interface OneOffRunner {
  /** Runs `spec` to its end, handing each output line to `onLine`. Rejects (a SlipwayError a
   *  user may read) when it cannot start; a run that fails is an outcome, not a rejection. */
  run(spec: OneOffSpec, onLine: (line: string) => void): Promise<OneOffOutcome>;
  /** Starts `spec` and answers once it runs; `ended` settles when it ends (never rejects). */
  start(spec: OneOffSpec, output: OneOffOutput): Promise<StartedOneOff>;
}

export interface NatsOneOffRunnerDeps {
  nats: NatsConnection;
  agents: AgentClient;
  hosts: HostStore;
  instances: InstanceStore;
  logger: Logger;
  /** How long past its time limit a run may stay silent before it is given up as lost. */
  lostAfterMs?: number;
  /** Memory (MB) other one-offs hold, by host. */
  oneOffMemory?: () => Promise<Map<string, number>>;
  /** The add-ons the app's containers reach (its attachments); none when not given. */
  addonLinks?: (appId: string) => Promise<AddonLink[]>;
}

export class NatsOneOffRunner implements OneOffRunner {
  constructor(private readonly deps: NatsOneOffRunnerDeps) {}

  async run(spec: OneOffSpec, onLine: (line: string) => void): Promise<OneOffOutcome> {
    return (await this.start(spec, { line: onLine })).ended;
  }

  async start(spec: OneOffSpec, output: OneOffOutput): Promise<StartedOneOff> {
    const { memoryMb, cpus } = DYNO_SIZES[spec.size];
    const hostId = await this.placement(memoryMb);
    if (!hostId) throw new SlipwayError('no_capacity', `No host has ${memoryMb} MB free to run ${spec.dyno}. Try again when instances have stopped, or ask the operator for more hosts.`, { status: 503 });
    const runId = randomUUID();
    // Subscribed before the start request, so no line can come before we listen.
    const events = this.deps.nats.subscribe(subjects.oneOffEvents(hostId, runId));
    let started = false;
    try {
      await this.deps.nats.flush();
      const reply = await this.deps.agents.oneOff(hostId, {
        runId,
        appId: spec.app.id,
        appName: spec.app.name,
        dyno: spec.dyno,
        image: spec.image,
        command: spec.command,
        env: spec.env,
        memoryMb,
        cpus,
        timeoutSeconds: spec.timeoutSeconds,
        tty: spec.tty ?? null,
        addons: (await this.deps.addonLinks?.(spec.app.id)) ?? [],
      });
      if (!reply.ok) throw new SlipwayError('one_off_failed', `${spec.dyno} could not start: ${reply.error ?? 'the host refused it'}`, { status: 503 });
      started = true;
      const ended = this.outcome(events, spec, output)
        .catch((err: unknown) => {
          this.deps.logger.error({ err, dyno: spec.dyno, app: spec.app.name }, 'lost track of a one-off run');
          return { exitCode: null, reason: `the platform lost track of ${spec.dyno}` };
        })
        .finally(() => events.unsubscribe());
      const send = (input: OneOffInput) => this.deps.nats.publish(subjects.oneOffInput(hostId, runId), encode(input));
      return { runId, hostId, ended, send };
    } finally {
      if (!started) events.unsubscribe();
    }
  }

  private async outcome(events: Subscription, spec: OneOffSpec, output: OneOffOutput): Promise<OneOffOutcome> {
    const lostAfterMs = spec.timeoutSeconds * 1000 + (this.deps.lostAfterMs ?? 30_000);
    // A run whose host went silent ends the iteration, and so the wait.
    const lost = setTimeout(() => events.unsubscribe(), lostAfterMs);
    try {
      for await (const message of events) {
        let event;
        try {
          event = decode(oneOffEvent, message.data);
        } catch (err) {
          this.deps.logger.warn({ err, dyno: spec.dyno, app: spec.app.name }, 'ignored a malformed one-off event');
          continue;
        }
        if (event.kind === 'output') output.line?.(event.line);
        else if (event.kind === 'data') output.data?.(Buffer.from(event.data, 'base64'));
        else return { exitCode: event.exitCode, reason: event.reason };
      }
      return { exitCode: null, reason: `the host stopped reporting ${spec.dyno}` };
    } finally {
      clearTimeout(lost);
    }
  }

  /** The host with the most free memory (instances' records; the agent has the last word). */
  private async placement(memoryMb: number): Promise<string | null> {
    const hosts = await this.deps.hosts.list();
    const oneOffs = (await this.deps.oneOffMemory?.()) ?? new Map<string, number>();
    const loads = await Promise.all(
      hosts.map(async (host) => ({
        id: host.id,
        state: host.state,
        memoryMb: host.capacity.memoryMb,
        usedMemoryMb: memoryInUseMb(await this.deps.instances.listForHost(host.id)) + (oneOffs.get(host.id) ?? 0),
        appInstances: 0,
      })),
    );
    return chooseHost(loads, memoryMb);
  }
}
