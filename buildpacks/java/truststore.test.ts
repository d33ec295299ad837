import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CA_FILE } from '../config.js';
import { jksTruststore, pemCertificates } from './truststore.js';

/** Reads a JKS back as the JDK does (KeyStore.load): structure, then the keyed SHA-1. */
function readJks(bytes: Buffer, password: string): { aliases: string[]; certificates: Buffer[] } {
  const body = bytes.subarray(0, bytes.length - 20);
  const expected = createHash('sha1').update(Buffer.from(password, 'utf16le').swap16()).update('Mighty Aphrodite').update(body).digest();
  if (!expected.equals(bytes.subarray(bytes.length - 20))) throw new Error('keystore tampered with, or password incorrect');
  let at = 0;
  const u32 = () => ((at += 4), body.readUInt32BE(at - 4));
  const utf = () => {
    const length = body.readUInt16BE(at);
    at += 2 + length;
    return body.toString('utf8', at - length, at);
  };
  expect(u32()).toBe(0xfeedfeed);
  expect(u32()).toBe(2);
  const count = u32();
  const aliases: string[] = [];
  const certificates: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    expect(u32()).toBe(2); // trusted certificate entry
    aliases.push(utf());
    at += 8; // date
    expect(utf()).toBe('X.509');
    const length = u32();
    certificates.push(body.subarray(at, at + length));
    at += length;
  }
  expect(at).toBe(body.length);
  return { aliases, certificates };
}

describe('jksTruststore', () => {
  const bundle = readFileSync(DEFAULT_CA_FILE, 'utf8');
  const certificates = pemCertificates(bundle);

  it('holds every certificate of the bundle, under unique aliases, sealed with the password', () => {
    expect(certificates.length).toBeGreaterThan(10);
    const store = jksTruststore(certificates, 'changeit');
    const read = readJks(store, 'changeit');
    expect(read.certificates.map((der) => new X509Certificate(der).fingerprint256)).toEqual(certificates.map((der) => new X509Certificate(der).fingerprint256));
    expect(new Set(read.aliases).size).toBe(certificates.length);
    expect(() => readJks(store, 'wrong')).toThrow(/password incorrect/);
  });

  it('is the same bytes for the same bundle', () => {
    expect(jksTruststore(certificates, 'changeit').equals(jksTruststore(certificates, 'changeit'))).toBe(true);
  });

  it('refuses a block that is not a certificate', () => {
    expect(() => jksTruststore([Buffer.from('not der')], 'changeit')).toThrow();
  });

  it('finds the PEM blocks between other text', () => {
    const one = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(bundle)![0];
    expect(pemCertificates(`# a comment\n${one}\nnoise\r\n${one}\n`)).toHaveLength(2);
    expect(pemCertificates('')).toEqual([]);
  });
});
