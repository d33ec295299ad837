// The control plane's side of enrollment (common/enrollment.ts): an engine host of the auto
// scaling group presents the shared enrollment secret and its instance id; if the secret is
// right and AWS says the instance is starting or running in the engine group, the instance is
// bound to one host identity (a pending credential the operator asked for, or, when none is
// waiting, a new one: the group launched it on its own, e.g. its initial size or a health
// replacement). The same instance always gets the same host; a retired one gets none.
import type { Logger } from '../../common/logger.js';
import { decode, encode } from '../../common/protocol.js';
import { enrollRequest, sealForEnrollee, secretsEqual, type EnrollReply, type EnrollRequest } from '../../common/enrollment.js';
import { describeError } from '../../common/errors.js';
import { isLive, type AutoScalingApi, type InstanceMembership } from '../../host-providers/aws/auto-scaling.js';
import type { HostCredentials } from '../../host-providers/provider.js';

export type Claim =
  /** Bound to this instance just now. */
  | { kind: 'assigned'; credentials: HostCredentials }
  /** This instance enrolled before: the same host again. */
  | { kind: 'again'; credentials: HostCredentials }
  /** The instance was removed from the platform: it gets nothing. */
  | { kind: 'retired' }
  /** No pending credential to give. */
  | { kind: 'none' };

export interface EnrollmentLedger {
  /** Atomically gives the instance its host: the one it holds, or the oldest pending one. */
  claim(instanceId: string, address: string): Promise<Claim>;
  /** Binds fresh credentials to an instance that holds none (else says what it holds). */
  adopt(instanceId: string, address: string, credentials: HostCredentials): Promise<Claim>;
}

/** Issues (and takes back) a host identity: a host record, its token hash and NATS user. */
export interface CredentialIssuer {
  issue(): Promise<HostCredentials>;
  revoke(hostId: string): Promise<void>;
}

export interface EnrollmentDeps {
  secret: string;
  /** Name of the engine hosts' auto scaling group. */
  groupName: string;
  autoScaling: Pick<AutoScalingApi, 'describeInstance'>;
  ledger: EnrollmentLedger;
  issuer: CredentialIssuer;
  logger: Logger;
}

export const REFUSED = 'enrollment refused';

/** Pure: why an instance may not enroll, or null if it may. */
export function membershipProblem(membership: InstanceMembership | null, groupName: string): string | null {
  if (!membership) return 'is in no auto scaling group';
  if (membership.groupName !== groupName) return 'is not in the engine group';
  if (!isLive(membership.lifecycleState)) return `is ${membership.lifecycleState}, not Pending or InService`;
  return null;
}

export class EnrollmentHandler {
  constructor(private readonly deps: EnrollmentDeps) {}

  /** The NATS handler: request bytes in, reply out (never throws). */
  async respond(data: Uint8Array): Promise<Uint8Array> {
    let request: EnrollRequest;
    try {
      request = decode(enrollRequest, data);
    } catch {
      // Never log the content: it may hold the secret.
      this.deps.logger.warn('enrollment refused: invalid request');
      return encode({ ok: false, error: 'invalid enrollment request' } satisfies EnrollReply);
    }
    try {
      return encode(await this.enroll(request));
    } catch (err) {
      this.deps.logger.error({ instanceId: request.instanceId, err: describeError(err) }, 'enrollment failed');
      return encode({ ok: false, error: 'could not enroll the instance yet; try again' } satisfies EnrollReply);
    }
  }

  async enroll(request: EnrollRequest): Promise<EnrollReply> {
    const { instanceId, address } = request;
    const refuse = (reason: string, error = REFUSED): EnrollReply => {
      this.deps.logger.warn({ instanceId, address, reason }, `enrollment refused: ${reason}`);
      return { ok: false, error };
    };
    if (!secretsEqual(request.enrollmentSecret, this.deps.secret)) return refuse('wrong enrollment secret');

    let membership: InstanceMembership | null;
    try {
      membership = await this.deps.autoScaling.describeInstance(instanceId);
    } catch (err) {
      this.deps.logger.error({ instanceId, err: describeError(err) }, 'enrollment deferred: could not ask AWS about the instance');
      return { ok: false, error: 'could not verify the instance yet; try again' };
    }
    const problem = membershipProblem(membership, this.deps.groupName);
    if (problem) return refuse(`instance ${problem}`, `instance ${instanceId} ${problem}`);

    let claim = await this.deps.ledger.claim(instanceId, address);
    let adopted = false;
    if (claim.kind === 'none') {
      ({ claim, adopted } = await this.adopt(instanceId, address));
    }
    if (claim.kind === 'retired') return refuse('instance was removed from the platform', `instance ${instanceId} was removed from the platform`);
    if (claim.kind === 'none') return { ok: false, error: 'could not issue credentials yet; try again' };

    const { hostId, token } = claim.credentials;
    this.deps.logger.info({ instanceId, address, host: hostId, again: claim.kind === 'again', adopted }, 'instance enrolled');
    return { ok: true, hostId, sealedToken: sealForEnrollee(request.publicKey, token, hostId) };
  }

  /** An instance the group launched without a pending credential: it gets a new identity. */
  private async adopt(instanceId: string, address: string): Promise<{ claim: Claim; adopted: boolean }> {
    let credentials: HostCredentials;
    try {
      credentials = await this.deps.issuer.issue();
    } catch (err) {
      this.deps.logger.error({ instanceId, err: describeError(err) }, 'could not issue credentials for an instance');
      return { claim: { kind: 'none' }, adopted: false };
    }
    const claim = await this.deps.ledger.adopt(instanceId, address, credentials);
    if (claim.kind === 'assigned') return { claim, adopted: true };
    // The same instance enrolled twice at once, and the other request won: take these back.
    await this.deps.issuer.revoke(credentials.hostId);
    return { claim, adopted: false };
  }
}
