// The npm registry's errors and integrity strings; HTTP goes through downloads.ts.
import { SlipwayError } from '../../common/errors.js';

export class NpmRegistryError extends SlipwayError {
  override name = 'NpmRegistryError';
  constructor(message: string, cause?: unknown) {
    super('npm_registry_error', message, { status: 502, expose: true, cause });
  }
}

export { outboundDispatcher as npmDispatcher } from '../downloads.js';

/** The strongest hash of an npm `integrity` string (or the legacy sha1 `shasum`) to check against. */
export function expectedHash(integrity: string | undefined, shasum: string | undefined): { algorithm: string; digest: string } | null {
  const candidates = (integrity ?? '').split(/\s+/).filter(Boolean);
  for (const algorithm of ['sha512', 'sha384', 'sha256']) {
    const entry = candidates.find((c) => c.startsWith(`${algorithm}-`));
    if (entry) return { algorithm, digest: Buffer.from(entry.slice(algorithm.length + 1), 'base64').toString('hex') };
  }
  return shasum ? { algorithm: 'sha1', digest: shasum.toLowerCase() } : null;
}

