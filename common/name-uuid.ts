// Name-based UUIDs (version 5, RFC 9562) in Slipway's namespace: the same name gives the same
// id on every control plane, for things Heroku names by UUID that Slipway keys by name.
import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('6f1d2c9e8b5a4f0e9a7d3c2b1e0f4a5d', 'hex');

export function nameUuid(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
