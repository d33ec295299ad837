// The operator's CA bundle (PEM) as a Java truststore, so that Maven's downloads trust exactly
// what every other build client trusts. JDK 17 reads no PEM truststores, and keytool imports
// one certificate per run (a JVM start each); the JKS format is small enough to write here:
// magic, version, entries (trusted certificates), then a SHA-1 keyed by the password.
import { createHash, X509Certificate } from 'node:crypto';

const JKS_MAGIC = 0xfeedfeed;
const JKS_VERSION = 2;
const TRUSTED_CERT_TAG = 2;
/** a fixed entry date, so that the same bundle always gives the same file */
const ENTRY_DATE_MS = 315532801000n;

/** The DER certificates of a PEM bundle, in order (anything between the blocks is ignored). */
export function pemCertificates(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'));
}

/** Java's modified UTF-8 with a 2-byte length (DataOutputStream.writeUTF), for ASCII text. */
function javaUtf(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/** A JKS truststore holding `certificates` (DER), each checked to be an X.509 certificate. */
export function jksTruststore(certificates: Buffer[], password: string): Buffer {
  const parts: Buffer[] = [uint32(JKS_MAGIC), uint32(JKS_VERSION), uint32(certificates.length)];
  certificates.forEach((der, index) => {
    new X509Certificate(der); // throws on anything that is not a certificate
    const date = Buffer.alloc(8);
    date.writeBigUInt64BE(ENTRY_DATE_MS);
    parts.push(uint32(TRUSTED_CERT_TAG), javaUtf(`slipway-ca-${index}`), date, javaUtf('X.509'), uint32(der.length), der);
  });
  const body = Buffer.concat(parts);
  // The keyed digest: SHA-1 over the password as UTF-16BE, the salt "Mighty Aphrodite", the body.
  const digest = createHash('sha1').update(Buffer.from(password, 'utf16le').swap16()).update('Mighty Aphrodite', 'utf8').update(body).digest();
  return Buffer.concat([body, digest]);
}
