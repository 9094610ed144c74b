import { Checks } from '../../config/checks';
import { parseIpv4Cidr } from '../../config/cidr';
import { DatabaseProps } from './props';

/** The property that carries the database password; required with `database`. */
export const DATABASE_PASSWORD_PROPERTY = 'spring.datasource.password';

const DB_USER = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL's port, which the driver uses when the URL names none. */
export const POSTGRES_DEFAULT_PORT = 5432;

/** Where a PostgreSQL JDBC URL connects. */
export interface JdbcTarget {
  readonly host: string;
  /** The URL's port, or the driver's default when it names none. */
  readonly port: number;
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

/**
 * Checks the external database and returns it with its port resolved. The egress
 * NetworkPolicy opens `cidr` on `port` and nothing else, so the URL must connect inside that
 * range on that port: otherwise synth would succeed and the pods would time out on their
 * first query.
 */
export function checkDatabase(
  c: Checks,
  database: DatabaseProps,
  secretProperties: readonly string[],
): Required<DatabaseProps> {
  const target = parseJdbcUrl(database.url);
  c.require(
    target !== undefined,
    'database.url',
    database.url,
    'a PostgreSQL JDBC URL such as "jdbc:postgresql://10.20.0.5:5432/articles"',
  );
  c.matches(
    'database.username',
    database.username,
    DB_USER,
    'a PostgreSQL role name (lowercase letters, digits and "_")',
  );
  const cidrOk = c.ipv4Cidr('database.cidr', database.cidr);
  if (target && cidrOk) {
    c.require(
      ipv4InCidr(target.host, database.cidr),
      'database.url',
      database.url,
      `a URL whose host is an IPv4 address inside database.cidr (${database.cidr}), the only range egress is open to`,
    );
  }
  // The URL decides where the driver connects; the port prop only opens egress, so by default
  // it follows the URL.
  const port = database.port ?? target?.port;
  if (port !== undefined && c.integer('database.port', port, 1, 65535) && target) {
    c.require(
      port === target.port,
      'database.port',
      port,
      `the port database.url connects to (${target.port}), the only port egress is open to`,
    );
  }
  c.require(
    secretProperties.includes(DATABASE_PASSWORD_PROPERTY),
    'secretProperties',
    secretProperties,
    `a list containing "${DATABASE_PASSWORD_PROPERTY}" when database is set`,
  );
  return { ...database, port: port ?? POSTGRES_DEFAULT_PORT };
}
