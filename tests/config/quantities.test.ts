import {
  formatCpuMillis,
  formatMemoryBytes,
  parseCpuMillis,
  parseMemoryBytes,
} from '../../infra/config/quantities';
import { parseIpv4Cidr } from '../../infra/config/cidr';
import { ConfigError, formatValue } from '../../infra/config/errors';

describe('CPU quantities', () => {
  it.each([
    ['250m', 250],
    ['1', 1000],
    ['1.5', 1500],
    ['0.125', 125],
  ])('%s is %d millicores', (q, m) => expect(parseCpuMillis(q)).toBe(m));
  it.each(['', '0', '0m', '1.2345', '-1', '250 m', '1k', 'm'])('rejects %p', (q) => {
    expect(parseCpuMillis(q)).toBeUndefined();
  });
  it('formats whole cores without a suffix', () => {
    expect(formatCpuMillis(2000)).toBe('2');
    expect(formatCpuMillis(2187.5)).toBe('2188m');
  });
});

describe('memory quantities', () => {
  it.each([
    ['512Mi', 512 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1G', 1e9],
    ['128974848', 128974848],
  ])('%s is %d bytes', (q, b) => expect(parseMemoryBytes(q)).toBe(b));
  it.each(['', '0', '512MB', '1.5Gi', '-1Gi', 'Mi'])('rejects %p', (q) => {
    expect(parseMemoryBytes(q)).toBeUndefined();
  });
  it('formats in Mi, Gi when whole, rounding up', () => {
    expect(formatMemoryBytes(2 * 1024 ** 3)).toBe('2Gi');
    expect(formatMemoryBytes(512 * 1024 ** 2 + 1)).toBe('513Mi');
  });
});

describe('IPv4 CIDRs', () => {
  it('parses network and prefix', () => {
    expect(parseIpv4Cidr('10.20.0.0/24')).toEqual({
      network: (10 * 256 + 20) * 256 * 256,
      prefix: 24,
    });
    expect(parseIpv4Cidr('0.0.0.0/0')).toEqual({ network: 0, prefix: 0 });
    expect(parseIpv4Cidr('10.0.0.5/32')?.prefix).toBe(32);
  });
  it.each(['10.0.0.1/24', '256.0.0.0/8', '10.0.0.0/33', '10.0.0.0', '10.0.0/8', 'fd00::/8'])(
    'rejects %p',
    (c) => expect(parseIpv4Cidr(c)).toBeUndefined(),
  );
});

describe('ConfigError', () => {
  it('formats one issue per line', () => {
    const error = new ConfigError([
      { key: 'a.b', value: 'x', allowed: 'y' },
      { key: 'c', value: 3, allowed: 'an integer from 1 to 2' },
    ]);
    expect(error.message).toBe(
      'a.b = "x" is invalid: must be y\nc = 3 is invalid: must be an integer from 1 to 2',
    );
    expect(error.name).toBe('ConfigError');
  });
  it('spells out undefined and serialises objects', () => {
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue(['a'])).toBe('["a"]');
  });
});
