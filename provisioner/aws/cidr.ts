// IPv4 CIDR arithmetic for the subnet plan, as pure functions (Terraform's cidrsubnet).

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit integer. */
  network: number;
  prefix: number;
}

export class CidrError extends Error {
  override name = 'CidrError';
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) throw new CidrError(`not an IPv4 CIDR block: ${cidr}`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) throw new CidrError(`not an IPv4 CIDR block: ${cidr}`);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) throw new CidrError(`${cidr} has host bits set; the network is ${formatCidr({ network: address - (address % size), prefix })}`);
  return { network: address, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join('.')}/${cidr.prefix}`;
}

/** The `netNum`-th block of `base` lengthened by `newBits` bits. */
export function cidrSubnet(base: string, newBits: number, netNum: number): string {
  const parsed = parseCidr(base);
  const prefix = parsed.prefix + newBits;
  if (prefix > 32) throw new CidrError(`${base} has no room for ${newBits} more prefix bits`);
  if (!Number.isInteger(netNum) || netNum < 0 || netNum >= 2 ** newBits) {
    throw new CidrError(`${base} split by ${newBits} bits has no block number ${netNum}`);
  }
  return formatCidr({ network: parsed.network + netNum * 2 ** (32 - prefix), prefix });
}

/** Whether `inner` lies entirely within `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return b.prefix >= a.prefix && Math.floor(b.network / 2 ** (32 - a.prefix)) === a.network / 2 ** (32 - a.prefix);
}

export interface ZoneSubnets {
  zone: string;
  /** Large block for hosts, the control plane and routers (no public addresses). */
  privateCidr: string;
  /** Small block for the NAT gateways and the load balancer. */
  publicCidr: string;
}

/**
 * The subnet plan: zone i gets the i-th sixteenth of the VPC as its private subnet and a
 * /(prefix+8) block from the last sixteenth as its public subnet, so up to 15 zones fit and
 * adding a zone never moves an existing subnet.
 */
export function planSubnets(vpcCidr: string, zones: readonly string[]): ZoneSubnets[] {
  const { prefix } = parseCidr(vpcCidr);
  if (prefix > 20) throw new CidrError(`the VPC block ${vpcCidr} is too small: use a /20 or larger`);
  if (zones.length < 1 || zones.length > 15) throw new CidrError(`between 1 and 15 zones fit the subnet plan, not ${zones.length}`);
  return zones.map((zone, index) => ({
    zone,
    privateCidr: cidrSubnet(vpcCidr, 4, index),
    publicCidr: cidrSubnet(vpcCidr, 8, 240 + index),
  }));
}
