// Orders a certificate for one hostname from an ACME CA (Let's Encrypt; Pebble in the tests) with
// acme-client: the account key is made once and kept in Redis (shared by every control plane),
// HTTP-01 challenges are answered by the control plane's /.well-known/acme-challenge route, which
// the routers send those requests to (the key authorizations wait in AcmStore while the CA checks).
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';
import type { Redis } from 'ioredis';
import type { AcmStore } from './store.js';

/** What the ACM manager needs: a certificate chain and its key for a hostname, or an error in words. */
export interface CertificateIssuer {
  issue(hostname: string): Promise<{ chain: string; key: string }>;
}

export interface AcmeSettings {
  /** The CA's directory URL (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory). */
  directoryUrl: string;
  /** The account's contact address, if any. */
  email: string | null;
  /** A CA certificate (PEM) to trust for the directory's own TLS, besides Node's roots (a test CA, a proxy). */
  caFile: string | null;
}

const ACCOUNT_KEY = 'slipway:acme:account-key';

export class AcmeIssuer implements CertificateIssuer {
  private client: Promise<acme.Client> | null = null;

  constructor(
    private readonly settings: AcmeSettings,
    private readonly redis: Redis,
    private readonly store: AcmStore,
  ) {}

  async issue(hostname: string): Promise<{ chain: string; key: string }> {
    const client = await this.account();
    const [key, csr] = await acme.crypto.createCsr({ commonName: hostname, altNames: [hostname] }, await acme.crypto.createPrivateEcdsaKey());
    const chain = await client.auto({
      csr,
      email: this.settings.email ?? undefined,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client would fetch the challenge itself first, through DNS the control plane may not
      // share with the CA; the CA's own check is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`the CA offered ${challenge.type}; only http-01 is answered`);
        await this.store.putChallenge(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await this.store.removeChallenge(challenge.token);
      },
    });
    return { chain, key: key.toString() };
  }

  /** The ACME client over the account key (made once, first writer wins across control planes). */
  private account(): Promise<acme.Client> {
    this.client ??= (async () => {
      if (this.settings.caFile) {
        const ca = await readFile(this.settings.caFile, 'utf8');
        // acme-client's own axios instance: nothing else in the process trusts this CA
        acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, ca] });
      }
      await this.redis.set(ACCOUNT_KEY, (await acme.crypto.createPrivateEcdsaKey()).toString(), 'NX');
      const accountKey = await this.redis.get(ACCOUNT_KEY);
      if (!accountKey) throw new Error('the ACME account key vanished from Redis');
      return new acme.Client({ directoryUrl: this.settings.directoryUrl, accountKey, backoffAttempts: 8, backoffMin: 500, backoffMax: 5000 });
    })().catch((err: unknown) => {
      this.client = null;
      throw err;
    });
    return this.client;
  }
}
