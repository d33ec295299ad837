// Signs the platform registry's tokens: JWTs as distribution's token auth checks them (ES256,
// the certificate in `x5c`, verified against the registry's rootcertbundle, which is that
// same self-signed certificate; `aud` a single string, as distribution 2.8 reads it).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_SERVICE } from '../../common/registry-token.js';
import type { GrantedAccess } from './access.js';

/** How long a token is good for; Docker asks again when a push outlasts it. */
export const REGISTRY_TOKEN_TTL_SECONDS = 300;

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: string;
}

/** Pure: the DER certificates of a PEM bundle, base64 (standard alphabet, as `x5c` wants). */
export function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));
}

export class RegistryTokenSigner {
  private constructor(
    private readonly key: CryptoKey,
    private readonly x5c: string[],
  ) {}

  /** Reads the PKCS#8 key and its certificate (files the supervisor generated once). */
  static async load(files: { keyFile: string; certFile: string }): Promise<RegistryTokenSigner> {
    const key = await importPKCS8(await readFile(files.keyFile, 'utf8'), 'ES256');
    const x5c = pemCertificates(await readFile(files.certFile, 'utf8'));
    if (x5c.length === 0) throw new Error(`${files.certFile} holds no certificate`);
    return new RegistryTokenSigner(key, x5c);
  }

  async sign(subject: string, access: GrantedAccess[], now = new Date()): Promise<IssuedToken> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: this.x5c })
      .setIssuer(REGISTRY_TOKEN_ISSUER)
      .setSubject(subject)
      .setAudience(REGISTRY_TOKEN_SERVICE)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + REGISTRY_TOKEN_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresIn: REGISTRY_TOKEN_TTL_SECONDS, issuedAt: new Date(issuedAt * 1000).toISOString() };
  }
}
