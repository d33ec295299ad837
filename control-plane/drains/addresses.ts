// Which addresses a drain may reach. A drain is the platform dialing a URL a user chose, so a
// careful provider refuses its own network (loopback, private ranges, link-local and the cloud
// metadata address, ...) unless the operator allows some of it (SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS).
// Checked on the URL when a drain is added and on every address a name resolves to when dialing.
import { BlockList, isIP } from 'node:net';

/** Ranges that are not the public internet (IANA special-purpose registries). */
const INTERNAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
const INTERNAL_V6 = ['::/128', '::1/128', '64:ff9b::/96', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

function subnets(list: BlockList, cidrs: readonly string[]): BlockList {
  for (const cidr of cidrs) {
    const [network, bits] = cidr.split('/');
    const type = isIP(network ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!network || isIP(network) === 0 || bits === undefined || !/^\d+$/.test(bits)) throw new RangeError(`not a network in CIDR notation: ${cidr}`);
    list.addSubnet(network, Number(bits), type);
  }
  return list;
}

export class AddressPolicy {
  private readonly internal = subnets(subnets(new BlockList(), INTERNAL_V4), INTERNAL_V6);
  private readonly allowed: BlockList;

  /** `allowedCidrs`: internal networks drains may reach anyway (tests: 127.0.0.0/8). */
  constructor(readonly allowedCidrs: readonly string[] = []) {
    this.allowed = subnets(new BlockList(), allowedCidrs);
  }

  /** Whether a drain may dial `address` (an IP literal). */
  permits(address: string): boolean {
    let ip = address.replace(/^\[|\]$/g, '');
    // an IPv4-mapped IPv6 address reaches the IPv4 address inside it
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) ip = mapped[1]!;
    const family = isIP(ip);
    if (family === 0) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return !this.internal.check(ip, type) || this.allowed.check(ip, type);
  }
}

/** Parses SLIPWAY_LOG_DRAIN_ALLOWED_NETWORKS (comma-separated CIDRs); throws on a bad one. */
export function parseNetworks(value: string): string[] {
  const cidrs = value.split(',').map((s) => s.trim()).filter(Boolean);
  subnets(new BlockList(), cidrs);
  return cidrs;
}
