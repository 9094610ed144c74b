import { Checks } from '../../config/checks';
import { parseIpv4Cidr } from '../../config/cidr';
import { DatabaseEndpoint, databaseServiceHosts } from '../../config/platform';
import { DatabaseProps, ResolvedDatabase } from './props';

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
  /** The database the URL names. */
  readonly database: string;
}

const JDBC_POSTGRES = /^jdbc:postgresql:\/\/([a-z0-9.-]+)(?::([0-9]{1,5}))?\/([A-Za-z0-9_]+)$/;

/** The parts of `jdbc:postgresql://host[:port]/database`, or undefined for anything else. */
export function parseJdbcUrl(url: string): JdbcTarget | undefined {
  const match = JDBC_POSTGRES.exec(url);
  if (!match) return undefined;
  const port = match[2];
  return {
    host: match[1] ?? '',
    port: port === undefined ? POSTGRES_DEFAULT_PORT : Number(port),
    database: match[3] ?? '',
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

/** An external database: the URL must connect inside `cidr`, on the port egress opens. */
function checkExternal(
  c: Checks,
  database: DatabaseProps,
  cidr: string,
  target: JdbcTarget | undefined,
): number | undefined {
  const cidrOk = c.ipv4Cidr('database.cidr', cidr);
  if (target && cidrOk) {
    c.require(
      ipv4InCidr(target.host, cidr),
      'database.url',
      database.url,
      `a URL whose host is an IPv4 address inside database.cidr (${cidr}), the only range egress is open to`,
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
  return port;
}

/**
 * The platform's database: egress opens its pods on its port, so the URL must name its Service,
 * on that port, its database, as its owner (the role whose password the platform sets).
 */
function checkInCluster(
  c: Checks,
  database: DatabaseProps,
  endpoint: DatabaseEndpoint,
  target: JdbcTarget | undefined,
): number {
  c.dnsLabel('database.inCluster.namespace', endpoint.namespace);
  c.dnsLabel('database.inCluster.service', endpoint.service);
  c.integer('database.inCluster.port', endpoint.port, 1, 65535);
  const hosts = databaseServiceHosts(endpoint);
  if (target) {
    c.require(
      hosts.includes(target.host),
      'database.url',
      database.url,
      `a URL whose host is the in-cluster database's Service, ${hosts.join(' or ')} (database.inCluster), the only destination egress is open to`,
    );
    c.require(
      target.port === endpoint.port,
      'database.url',
      database.url,
      `a URL on port ${endpoint.port}, the in-cluster database's (database.inCluster.port), the only port egress is open to`,
    );
    c.require(
      target.database === endpoint.databaseName,
      'database.url',
      database.url,
      `a URL naming database "${endpoint.databaseName}", the one the in-cluster database creates (database.inCluster.databaseName)`,
    );
  }
  c.require(
    database.username === endpoint.owner,
    'database.username',
    database.username,
    `"${endpoint.owner}", the owner of the in-cluster database (database.inCluster.owner), whose password the platform sets`,
  );
  if (database.port !== undefined)
    c.require(
      database.port === endpoint.port,
      'database.port',
      database.port,
      `left out, or the in-cluster database's port (${endpoint.port})`,
    );
  return endpoint.port;
}

/**
 * Checks the database and returns it with its port resolved. The egress NetworkPolicy opens
 * exactly one destination, the in-cluster database's pods or an external address range, on one
 * port, so the URL must connect there: otherwise synth would succeed and the pods would time
 * out on their first query.
 */
export function checkDatabase(
  c: Checks,
  database: DatabaseProps,
  secretProperties: readonly string[],
): ResolvedDatabase {
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
  const { cidr, inCluster } = database;
  let port: number | undefined;
  if (inCluster !== undefined && cidr !== undefined) {
    c.require(
      false,
      'database.cidr',
      cidr,
      "left out when database.inCluster is set: egress then goes to the in-cluster database's pods, not to an address range",
    );
  } else if (inCluster !== undefined) {
    port = checkInCluster(c, database, inCluster, target);
  } else if (cidr !== undefined) {
    port = checkExternal(c, database, cidr, target);
  } else {
    c.require(
      false,
      'database.cidr',
      cidr,
      'the address range of an external database, such as "10.20.0.5/32", unless database.inCluster names the platform\'s database',
    );
  }
  c.require(
    secretProperties.includes(DATABASE_PASSWORD_PROPERTY),
    'secretProperties',
    secretProperties,
    `a list containing "${DATABASE_PASSWORD_PROPERTY}" when database is set`,
  );
  return {
    url: database.url,
    username: database.username,
    port: port ?? POSTGRES_DEFAULT_PORT,
    ...(cidr !== undefined && inCluster === undefined ? { cidr } : {}),
    ...(inCluster !== undefined ? { inCluster } : {}),
  };
}
