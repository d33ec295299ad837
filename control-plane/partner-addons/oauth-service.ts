// Heroku's OAuth for add-on partners, the steps: a grant code per provisioning, its exchange
// (with the service's client secret) for an access and a refresh token scoped to that one
// add-on, refreshing, the Bearer check on the partner's callbacks, and revocation when the
// add-on goes. Decisions are in oauth.ts, storage in oauth-store.ts.
import { hashSecret } from '../../common/api-token.js';
import type { PartnerOAuthTokenJson } from '../../common/api-shapes.js';
import { SlipwayError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { AddonRecord, AddonStore } from '../store/addons.js';
import type { PartnerManifest } from './manifest.js';
import { accessRefusal, bearerOf, exchangeRefusal, grantFor, INVALID_CREDENTIALS, newSecret, tokenAnswer, type OAuthGrantJson, type OAuthLifetimes, type OAuthRefusal, type OAuthScope, type TokenRequest } from './oauth.js';
import type { PartnerOAuthStore } from './oauth-store.js';
import type { PartnerServiceStore } from './store.js';

export interface PartnerOAuthDeps {
  tokens: PartnerOAuthStore;
  services: PartnerServiceStore;
  addons: Pick<AddonStore, 'get'>;
  lifetimes: OAuthLifetimes;
  logger: Logger;
}

const refuse = (refusal: OAuthRefusal) => new SlipwayError(refusal.id, refusal.message, { status: refusal.status });

/** A client secret for a partner service: shown once, kept as its hash. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = newSecret();
  return { secret, hash: hashSecret(secret) };
}

export class PartnerOAuth {
  constructor(private readonly deps: PartnerOAuthDeps) {}

  /** The provisioning body's `oauth_grant` for a new add-on. */
  async grant(scope: OAuthScope): Promise<OAuthGrantJson> {
    const { code, record, json } = grantFor(scope, Date.now(), this.deps.lifetimes);
    await this.deps.tokens.putGrant(code, record);
    return json;
  }

  /** `POST /oauth/token`: a grant code (once) or a refresh token, with the service's client secret. */
  async exchange(request: TokenRequest): Promise<PartnerOAuthTokenJson> {
    if (request.grant_type === 'authorization_code') {
      const scope = await this.deps.tokens.peekGrant(request.code);
      const usedBy = scope ? null : await this.deps.tokens.usedGrant(request.code);
      const refusal = exchangeRefusal({ kind: 'code', scope, reused: usedBy !== null, secretHash: scope ? await this.secretHash(scope.serviceId) : null, clientSecret: request.client_secret, now: Date.now() });
      if (usedBy !== null) {
        // RFC 6749 §4.1.2: a code presented twice may have leaked; what it gave is revoked
        await this.deps.tokens.revoke(usedBy);
        this.deps.logger.warn({ addon: usedBy }, 'a partner grant code was presented again: the add-on’s tokens are revoked');
      }
      if (refusal) throw refuse(refusal);
      // two exchanges of one code at once: only one takes it
      const taken = await this.deps.tokens.takeGrant(request.code);
      if (!taken) throw refuse(INVALID_CREDENTIALS);
      await this.liveAddon(taken);
      const refreshToken = newSecret();
      await this.deps.tokens.putRefresh(refreshToken, { addonId: taken.addonId, serviceId: taken.serviceId });
      return this.issueAccess(taken, refreshToken);
    }
    const scope = await this.deps.tokens.refresh(request.refresh_token);
    const refusal = exchangeRefusal({ kind: 'refresh', scope, reused: false, secretHash: scope ? await this.secretHash(scope.serviceId) : null, clientSecret: request.client_secret, now: Date.now() });
    if (refusal) throw refuse(refusal);
    await this.liveAddon(scope!);
    return this.issueAccess(scope!, request.refresh_token);
  }

  /** The add-on a partner's callback may act on: its Bearer token must be a live access token
   *  of that add-on (Heroku accepts nothing else from partners there). */
  async authenticate(addonRef: string, authorization: string | undefined): Promise<{ addon: AddonRecord; manifest: PartnerManifest }> {
    const bearer = bearerOf(authorization);
    if (!bearer) throw new SlipwayError('unauthorized', 'Partners call with the add-on’s OAuth access token (Authorization: Bearer …), from exchanging its provisioning grant at /oauth/token.', { status: 401 });
    const token = await this.deps.tokens.access(bearer);
    const refusal = accessRefusal(token, addonRef, Date.now());
    if (refusal) throw refuse(refusal);
    const addon = await this.deps.addons.get(token!.addonId);
    const service = await this.deps.services.get(token!.serviceId);
    if (!addon || !addon.partner || addon.service !== token!.serviceId || !service) throw refuse(INVALID_CREDENTIALS);
    return { addon, manifest: service.manifest };
  }

  /** Every code and token of the add-on stops working (deprovisioned, destroyed, or never made). */
  revoke(addonId: string): Promise<void> {
    return this.deps.tokens.revoke(addonId);
  }

  private async issueAccess(scope: OAuthScope, refreshToken: string): Promise<PartnerOAuthTokenJson> {
    const accessToken = newSecret();
    await this.deps.tokens.putAccess(accessToken, { addonId: scope.addonId, serviceId: scope.serviceId, expiresAt: new Date(Date.now() + this.deps.lifetimes.accessMs).toISOString() });
    return tokenAnswer(accessToken, refreshToken, this.deps.lifetimes);
  }

  private async secretHash(serviceId: string): Promise<string | null> {
    return (await this.deps.services.get(serviceId))?.clientSecretHash ?? null;
  }

  /** A grant for an add-on destroyed meanwhile gives nothing. */
  private async liveAddon(scope: OAuthScope): Promise<void> {
    const addon = await this.deps.addons.get(scope.addonId);
    if (!addon) {
      await this.deps.tokens.revoke(scope.addonId);
      throw refuse(INVALID_CREDENTIALS);
    }
  }
}
