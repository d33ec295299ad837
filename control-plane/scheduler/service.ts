// Wires the scheduler to the world: NATS subscriptions for agents' registrations,
// heartbeats and events, and the periodic reconcile loop run by the leader only.
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../../common/logger.js';
import { ENROLL_SUBJECT } from '../../common/enrollment.js';
import { decode, encode, heartbeat, instanceEvent, registerRequest, subjects } from '../../common/protocol.js';
import type { Membership } from '../hosts/membership.js';
import type { LeaderLease } from './leader.js';
import type { Reconciler } from './reconciler.js';

const HOST_CHECK_MS = 1000;

/** Answers an enrollment request (control-plane/hosts/enrollment.ts); never throws. */
export type EnrollmentResponder = (request: Uint8Array) => Promise<Uint8Array>;

/** `slipway.agent.<hostId>.<kind>` → hostId */
function hostIdOf(subject: string): string {
  return subject.split('.')[2] ?? '';
}

export class SchedulerService {
  private readonly subscriptions: Subscription[] = [];
  private timers: NodeJS.Timeout[] = [];
  private ticking = false;
  private checkingHosts = false;

  constructor(
    private readonly nats: NatsConnection,
    private readonly membership: Membership,
    private readonly reconciler: Reconciler,
    private readonly lease: LeaderLease,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    /** With enrollment (AWS engine hosts): answers `slipway.enroll`. */
    private readonly enroll: EnrollmentResponder | null = null,
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
    if (this.enroll) this.answerRequests(ENROLL_SUBJECT, this.enroll);
    this.timers.push(setInterval(() => void this.tick(), this.intervalMs));
    // Silent hosts are looked for every second, so a lost host is noticed promptly.
    this.timers.push(setInterval(() => void this.checkHosts(), HOST_CHECK_MS));
    void this.tick();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const sub of this.subscriptions) sub.unsubscribe();
    await this.lease.release();
  }

  /** The leader marks hosts that went silent as down (and their apps get reconciled). */
  async checkHosts(): Promise<void> {
    if (this.checkingHosts || !this.lease.isLeader) return;
    this.checkingHosts = true;
    try {
      await this.membership.markSilentHostsDown();
    } catch (err) {
      this.logger.error({ err }, 'host check failed');
    } finally {
      this.checkingHosts = false;
    }
  }

  /** One pass of the leader's loop over every app. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (!(await this.lease.refresh())) return;
      await this.reconciler.reconcileAll();
    } catch (err) {
      this.logger.error({ err }, 'reconcile pass failed');
    } finally {
      this.ticking = false;
    }
  }

  private answerRequests(subject: string, answer: EnrollmentResponder): void {
    const sub = this.nats.subscribe(subject, {
      queue: 'slipway-control-plane',
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
      queue: 'slipway-control-plane',
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
