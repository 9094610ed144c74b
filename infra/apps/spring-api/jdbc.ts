import { parseIpv4Cidr } from '../../config/cidr';

/** PostgreSQL's port, which the driver uses when the URL names none. */
export const POSTGRES_DEFAULT_PORT = 5432;

/** Where a PostgreSQL JDBC URL connects. */
export interface JdbcTarget {
  readonly host: string;
  readonly port: number;
  /** Whether the URL names the port itself (otherwise the driver's default applies). */
  readonly explicitPort: boolean;
}

const JDBC_POSTGRES = /^jdbc:postgresql:\/\/([a-z0-9.-]+)(?::([0-9]{1,5}))?\/[A-Za-z0-9_]+$/;

/** The host and port of `jdbc:postgresql://host[:port]/database`, or undefined for anything else. */
export function parseJdbcUrl(url: string): JdbcTarget | undefined {
  const match = JDBC_POSTGRES.exec(url);
  if (!match) return undefined;
  const port = match[2];
  return {
    host: match[1] ?? '',
    port: port === undefined ? POSTGRES_DEFAULT_PORT : Number(port),
    explicitPort: port !== undefined,
  };
}

/**
 * Whether `address` is an IPv4 address inside `cidr`. False for a host name: a NetworkPolicy
 * ipBlock matches addresses, and what a name resolves to cannot be known at synth time.
 */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const host = parseIpv4Cidr(`${address}/32`);
  const network = parseIpv4Cidr(cidr);
  if (!host || !network) return false;
  const size = 2 ** (32 - network.prefix);
  return host.network >= network.network && host.network < network.network + size;
}
