// The identity provider, over OpenID Connect through openid-client (panva): discovery, the
// authorization code flow with PKCE, state and nonce, the ID token's validation, and userinfo
// when the ID token carries no email. Discovery happens at first use and is kept (retried
// after a failure), so an IdP that is down does not stop the control plane from starting.
import { readFile } from 'node:fs/promises';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { SlipwayError } from '../../common/errors.js';
import type { OidcSettings } from './oidc-settings.js';
import type { AuthorizationChecks } from './sso-sessions.js';

/** What the IdP says about who signed in. */
export interface IdentityClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
}

/** The IdP as the SSO login uses it (a fake in unit tests; OidcIdentityProvider for real). */
export interface IdentityProvider {
  /** Fresh state, nonce and PKCE verifier, and where to send the browser with them. */
  authorizationRequest(): Promise<{ url: URL; checks: AuthorizationChecks }>;
  /** The claims of the user whose code the callback's query carries, checked against `checks`. */
  identify(callbackQuery: URLSearchParams, checks: AuthorizationChecks): Promise<IdentityClaims>;
}

export class IdpUnavailableError extends SlipwayError {
  constructor(cause: unknown) {
    super('sso_unavailable', 'The identity provider cannot be reached: try again later, or log in with --email.', { status: 503, expose: true, cause });
  }
}

export class IdpRefusedError extends SlipwayError {
  constructor(message: string, cause?: unknown) {
    super('sso_refused', message, { status: 401, cause });
  }
}

const SCOPE = 'openid email';

export class OidcIdentityProvider implements IdentityProvider {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    /** The callback URL registered with the IdP, a new URL each call (known once the API listens). */
    private readonly redirectUrl: () => URL,
    /** The issuer's CA certificates (SLIPWAY_OIDC_CA_FILE, read at start), or null. */
    private readonly ca: string | null,
  ) {}

  /** Reads the CA file now, so a bad path stops the start with its name. */
  static async create(settings: OidcSettings, redirectUrl: () => URL): Promise<OidcIdentityProvider> {
    const ca = settings.caFile
      ? await readFile(settings.caFile, 'utf8').catch((err: Error) => {
          throw new SlipwayError('config_invalid', `SLIPWAY_OIDC_CA_FILE: cannot read ${settings.caFile}: ${err.message}`, { status: 500, expose: true });
        })
      : null;
    return new OidcIdentityProvider(settings, redirectUrl, ca);
  }

  async authorizationRequest(): Promise<{ url: URL; checks: AuthorizationChecks }> {
    const config = await this.discovered();
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUrl().href,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  async identify(callbackQuery: URLSearchParams, checks: AuthorizationChecks): Promise<IdentityClaims> {
    const config = await this.discovered();
    // The token request's redirect_uri is this URL without its query: the registered one.
    const callbackUrl = this.redirectUrl();
    callbackUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true });
    } catch (err) {
      throw this.judged(err, 'The identity provider did not confirm this sign-in');
    }
    const claims = tokens.claims()!;
    if (claims.email !== undefined) return claims;
    // Providers that follow the spec to the letter put scope claims in userinfo only.
    try {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      return { sub: claims.sub, email: info.email, email_verified: info.email_verified };
    } catch (err) {
      throw this.judged(err, 'The identity provider did not say who signed in');
    }
  }

  private discovered(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = null;
      throw new IdpUnavailableError(err);
    });
    return this.configuration;
  }

  private discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const dispatcher = this.ca ? new Agent({ connect: { ca: this.ca } }) : undefined;
    const options: oidc.DiscoveryRequestOptions = {
      timeout: 10,
      ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      ...(dispatcher ? { [oidc.customFetch]: (url: string, init: oidc.CustomFetchOptions) => undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response> } : {}),
    };
    return oidc.discovery(issuer, clientId, { client_secret: clientSecret, redirect_uris: [this.redirectUrl().href] }, oidc.ClientSecretBasic(clientSecret), options);
  }

  /** The IdP's or the response's fault is a refusal; not reaching it is an outage. */
  private judged(err: unknown, what: string): SlipwayError {
    if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) return new IdpRefusedError(`${what}: ${err.error}.`, err);
    if (err instanceof TypeError || (err as { code?: string }).code === 'OAUTH_TIMEOUT') return new IdpUnavailableError(err);
    return new IdpRefusedError(`${what}: ${(err as Error).message}`, err);
  }
}
