/** An IPv4 network in CIDR notation, as numbers. */
export interface Ipv4Cidr {
  /** First address of the range, as an unsigned 32-bit number. */
  readonly network: number;
  /** Prefix length, 0 to 32. */
  readonly prefix: number;
}

export const CIDR_FORMS = 'an IPv4 CIDR such as "10.20.0.0/24" with no host bits set';

/**
 * Parses `a.b.c.d/n`. Returns undefined for anything else, including a range with host bits
 * set ("10.0.0.1/24"), which is usually a typo for a single address or a different network.
 */
export function parseIpv4Cidr(value: string): Ipv4Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { network: address, prefix };
}
