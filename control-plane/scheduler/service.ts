// The scheduler's clock: the periodic reconcile pass and the search for silent hosts, run by
// the leader only (a Redis lease). What agents send arrives through agents/inbox.ts.
import type { Logger } from '../../common/logger.js';
import type { Converger } from '../converger.js';
import { HearingWindow } from '../hosts/hearing.js';
import type { Membership } from '../hosts/membership.js';
import type { LeaderLease } from './leader.js';

/** Answers whether the links heartbeats travel through (NATS in, Redis to record them) work
 *  right now; false rather than waiting long. */
export type LinkProbe = () => Promise<boolean>;

const HOST_CHECK_MS = 1000;

export class SchedulerService {
  private timers: NodeJS.Timeout[] = [];
  private ticking = false;
  private checkingHosts = false;
  private readonly hearing = new HearingWindow();

  constructor(
    private readonly membership: Membership,
    private readonly converger: Converger,
    private readonly lease: LeaderLease,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly probeLinks: LinkProbe,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.tick(), this.intervalMs));
    // Silent hosts are looked for every second, so a lost host is noticed promptly.
    this.timers.push(setInterval(() => void this.checkHosts(), HOST_CHECK_MS));
    void this.tick();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.lease.release();
  }

  /** The leader marks hosts that went silent as down (and their apps get reconciled), counting
   *  only silence it could have heard through. */
  async checkHosts(): Promise<void> {
    if (this.checkingHosts) return;
    if (!this.lease.isLeader) {
      this.hearing.reset();
      return;
    }
    this.checkingHosts = true;
    try {
      const linksUp = await this.probeLinks().catch(() => false);
      const hearingSince = this.hearing.observe(linksUp, Date.now());
      if (hearingSince !== null) await this.membership.markSilentHostsDown(hearingSince);
    } catch (err) {
      this.hearing.reset();
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
      await this.converger.convergeAll();
    } catch (err) {
      this.logger.error({ err }, 'reconcile pass failed');
    } finally {
      this.ticking = false;
    }
  }
}
