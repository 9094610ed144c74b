import { coveredAddresses, Ipv4Cidr, parseIpv4Cidr } from '../../infra/config/cidr';

const cidrs = (...values: string[]): Ipv4Cidr[] =>
  values.map((v) => parseIpv4Cidr(v) ?? { network: NaN, prefix: NaN });

describe('coveredAddresses', () => {
  it('adds disjoint ranges', () => {
    expect(coveredAddresses(cidrs('203.0.113.7/32', '198.51.100.0/24'))).toBe(257);
  });
  it('counts overlapping and repeated ranges once', () => {
    expect(coveredAddresses(cidrs('10.0.0.0/8', '10.1.0.0/16', '10.0.0.0/8'))).toBe(2 ** 24);
    expect(coveredAddresses(cidrs('10.0.0.0/24', '10.0.0.128/25', '10.0.1.0/24'))).toBe(512);
  });
  it('sees the whole internet in its two halves', () => {
    expect(coveredAddresses(cidrs('128.0.0.0/1', '0.0.0.0/1'))).toBe(2 ** 32);
    expect(coveredAddresses(cidrs('0.0.0.0/0', '255.255.255.255/32'))).toBe(2 ** 32);
  });
  it('is 0 for no ranges', () => {
    expect(coveredAddresses([])).toBe(0);
  });
});
