// Automated Certificate Management: every pass (one control plane at a time, through a Redis
// lease), each custom domain of each app with ACM on gets a certificate when policy.ts says so:
// ordered from the CA, checked like an uploaded one, stored where the routers read it (they
// switch to it live), the domain's state saved; a failure is kept in words and retried with
// backoff. Domains that went away lose their state; turning ACM off removes its certificates.
import type { Logger } from '../../common/logger.js';
import type { App } from '../../common/types.js';
import { describeError } from '../../common/errors.js';
import type { AppLogger } from '../app-logs.js';
import type { CertificateStore } from '../certificates/store.js';
import { checkCertificate } from '../certificates/validate.js';
import { LeasedPass } from '../leased-pass.js';
import type { AppStore } from '../store/apps.js';
import type { Redis } from 'ioredis';
import type { CertificateIssuer } from './issuer.js';
import { DEFAULT_ACM_POLICY, failedOrder, issued, newDomainState, orderNow, refreshed, type AcmDomainState, type AcmPolicy } from './policy.js';
import type { AcmStore } from './store.js';

export interface AcmManagerDeps {
  apps: AppStore;
  store: AcmStore;
  certificates: CertificateStore;
  issuer: CertificateIssuer;
  redis: Redis;
  logger: Logger;
  appLog: AppLogger;
  policy?: AcmPolicy;
  now?: () => number;
}

/** A pass longer than this lets another control plane take over. */
const PASS_LEASE_MS = 10 * 60_000;

export class AcmManager {
  /** The periodic passes (start, stop, one now): each pass over every app with ACM on, unless one is running here or elsewhere. */
  readonly passes: LeasedPass;

  constructor(private readonly deps: AcmManagerDeps) {
    this.passes = new LeasedPass(
      deps.redis,
      'slipway:acme:pass',
      PASS_LEASE_MS,
      async () => {
        for (const app of await this.deps.apps.list()) if (app.acm) await this.converge(app);
      },
      (err) => this.deps.logger.warn({ err: describeError(err) }, 'an automatic certificates pass failed'),
    );
  }

  /** `certs:auto:enable`: on, and a pass soon (the next tick). */
  async enable(app: App): Promise<App> {
    return (await this.deps.apps.setAcm(app.id, true)) ?? app;
  }

  /** `certs:auto:disable`: off; its states and the certificates it issued go. */
  async disable(app: App): Promise<App> {
    const updated = (await this.deps.apps.setAcm(app.id, false)) ?? app;
    await this.deps.store.forget(app.id);
    await this.deps.certificates.removeAcm(app.id);
    return updated;
  }

  /** `certs:auto:refresh`: every domain tried again now, the given-up ones too. */
  async refresh(app: App): Promise<void> {
    const now = this.now();
    for (const state of (await this.deps.store.states(app.id)).values()) await this.deps.store.save(app.id, refreshed(state, now));
  }

  /** The app's custom domains' states (new domains: waiting). */
  async states(app: App): Promise<Map<string, AcmDomainState>> {
    return this.deps.store.states(app.id);
  }

  private async converge(app: App): Promise<void> {
    const domains = await this.deps.apps.domains(app.id);
    const states = await this.deps.store.states(app.id);
    for (const hostname of states.keys()) if (!domains.includes(hostname)) await this.deps.store.forget(app.id, hostname);
    for (const hostname of domains) {
      const state = states.get(hostname) ?? newDomainState(hostname, this.now());
      if (!states.has(hostname)) await this.deps.store.save(app.id, state);
      if (!orderNow(state, this.now()).order) continue;
      await this.deps.store.save(app.id, { ...state, status: state.status ?? 'verified', updatedAt: new Date(this.now()).toISOString() });
      await this.deps.store.save(app.id, await this.order(app, state));
    }
  }

  private async order(app: App, state: AcmDomainState): Promise<AcmDomainState> {
    const { hostname } = state;
    try {
      const { chain, key } = await this.deps.issuer.issue(hostname);
      // checked as an uploaded one is: it must cover the domain and match its key
      const checked = checkCertificate(chain, key, [hostname]);
      if (!checked.covers.includes(hostname)) throw new Error(`the CA's certificate does not cover ${hostname}`);
      // the domain may have been removed, or ACM turned off, while the order ran
      const current = await this.deps.apps.get(app.id);
      if (!current?.acm || !(await this.deps.apps.domains(app.id)).includes(hostname)) return state;
      await this.deps.certificates.add(app.id, chain, key, checked, { acm: true });
      this.deps.appLog(app, 'acm', `Certificate issued for ${hostname}, valid until ${checked.expiresAt}`);
      this.deps.logger.info({ app: app.name, hostname, expiresAt: checked.expiresAt }, 'certificate issued');
      return issued(state, Date.parse(checked.startsAt), Date.parse(checked.expiresAt), this.now());
    } catch (err) {
      const reason = describeError(err);
      const next = failedOrder(state, reason, this.now(), this.deps.policy ?? DEFAULT_ACM_POLICY);
      this.deps.appLog(app, 'acm', `Certificate for ${hostname} ${next.status === 'failed' ? 'failed, given up until refreshed' : 'failing'}: ${reason}`);
      this.deps.logger.warn({ app: app.name, hostname, failures: next.failures, reason }, 'certificate order failed');
      return next;
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
