// What agents send the control plane, taken off NATS and handed to host membership:
// registrations, heartbeats, instance events, and enrollment requests (AWS engine hosts);
// and their dynos' resource samples, handed to the metrics store.
// Apart from scheduling: every control plane answers these (a queue group shares them),
// while only the leader runs the reconcile loop.
import type { NatsConnection, Subscription } from 'nats';
import { ENROLL_SUBJECT } from '../../common/enrollment.js';
import type { Logger } from '../../common/logger.js';
import { decode, dynoMetrics, encode, heartbeat, instanceEvent, registerRequest, subjects } from '../../common/protocol.js';
import type { DynoMetricsStore } from '../metrics/dyno-metrics.js';
import type { Membership } from '../hosts/membership.js';

const QUEUE = 'slipway-control-plane';

/** Answers an enrollment request (control-plane/hosts/enrollment.ts); never throws. */
export type EnrollmentResponder = (request: Uint8Array) => Promise<Uint8Array>;

/** `slipway.agent.<hostId>.<kind>` → hostId */
function hostIdOf(subject: string): string {
  return subject.split('.')[2] ?? '';
}

export class AgentInbox {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nats: NatsConnection,
    private readonly membership: Membership,
    private readonly logger: Logger,
    /** With enrollment (AWS engine hosts): answers `slipway.enroll`. */
    private readonly enroll: EnrollmentResponder | null = null,
    /** Where the dynos' samples go (`slipway metrics`); null: they are not kept. */
    private readonly dynoSamples: Pick<DynoMetricsStore, 'add'> | null = null,
  ) {}

  start(): void {
    this.subscribe(subjects.allRegistrations, async (subject, data, respond) => {
      const reply = await Promise.resolve()
        .then(() => this.membership.register(hostIdOf(subject), decode(registerRequest, data)))
        .catch(() => ({ ok: false, error: 'invalid registration request' }));
      respond(reply);
    });
    this.subscribe(subjects.allHeartbeats, (subject, data) => this.membership.heartbeat(hostIdOf(subject), decode(heartbeat, data)));
    this.subscribe(subjects.allInstanceEvents, (subject, data) =>
      this.membership.instanceEvent(hostIdOf(subject), decode(instanceEvent, data)),
    );
    const samples = this.dynoSamples;
    if (samples) this.subscribe(subjects.allDynoMetrics, async (subject, data) => void (await samples.add(hostIdOf(subject), decode(dynoMetrics, data))));
    if (this.enroll) this.answerRequests(ENROLL_SUBJECT, this.enroll);
  }

  stop(): void {
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
  }

  private answerRequests(subject: string, answer: EnrollmentResponder): void {
    const sub = this.nats.subscribe(subject, {
      queue: QUEUE,
      callback: (err, message) => {
        if (err || !message.reply) return;
        answer(message.data)
          .then((reply) => message.respond(reply))
          .catch((error: unknown) => this.logger.error({ err: error, subject }, 'could not answer a request'));
      },
    });
    this.subscriptions.push(sub);
  }

  private subscribe(
    subject: string,
    handle: (subject: string, data: Uint8Array, respond: (body: unknown) => void) => Promise<void>,
  ): void {
    // A queue group: with several control planes, each message is handled once.
    const sub = this.nats.subscribe(subject, {
      queue: QUEUE,
      callback: (err, message) => {
        if (err) return;
        const respond = (body: unknown) => {
          if (message.reply) message.respond(encode(body));
        };
        handle(message.subject, message.data, respond).catch((error: unknown) => {
          this.logger.warn({ err: error, subject: message.subject }, 'bad message from an agent');
        });
      },
    });
    this.subscriptions.push(sub);
  }
}
