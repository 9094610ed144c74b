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

/** An inclusive range of IPv4 addresses, as unsigned 32-bit numbers. */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

function parseIpv4(value: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export const RANGE_FORMS =
  'an IPv4 range "first-last" such as "192.168.49.200-192.168.49.250", or a CIDR';

/** Parses MetalLB's address forms: `first-last` (inclusive) or a CIDR. */
export function parseIpv4Range(value: string): Ipv4Range | undefined {
  const dash = value.split('-');
  if (dash.length === 2) {
    const first = parseIpv4(dash[0]?.trim() ?? '');
    const last = parseIpv4(dash[1]?.trim() ?? '');
    if (first === undefined || last === undefined || first > last) return undefined;
    return { first, last };
  }
  const cidr = parseIpv4Cidr(value);
  if (!cidr) return undefined;
  return { first: cidr.network, last: cidr.network + 2 ** (32 - cidr.prefix) - 1 };
}

/** Whether every address of `inner` lies strictly inside `network` (not its first or last address). */
export function rangeInside(inner: Ipv4Range, network: Ipv4Cidr): boolean {
  const last = network.network + 2 ** (32 - network.prefix) - 1;
  return inner.first > network.network && inner.last < last;
}

/** The number of distinct addresses the CIDRs cover together, overlaps counted once. */
export function coveredAddresses(cidrs: readonly Ipv4Cidr[]): number {
  const ranges = cidrs
    .map((c) => ({ first: c.network, last: c.network + 2 ** (32 - c.prefix) - 1 }))
    .sort((a, b) => a.first - b.first);
  let total = 0;
  let end = -1; // last address counted so far
  for (const r of ranges) {
    if (r.last > end) {
      total += r.last - Math.max(r.first, end + 1) + 1;
      end = r.last;
    }
  }
  return total;
}
