import { SpringApiProps } from '../../../infra/apps/spring-api/props';
import { PLATFORM_ENDPOINTS } from '../../../infra/config/platform';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { minimalProps, resolveError } from '../../support/fixtures';

// The egress NetworkPolicy opens one destination on one port: the in-cluster database's pods
// (database.inCluster) or an external address range (database.cidr). The JDBC URL must connect
// there: the in-cluster Service by name, or an address inside the range.

const database = (
  d: Partial<NonNullable<SpringApiProps['database']>>,
): Partial<SpringApiProps> => ({
  secretProperties: ['spring.datasource.password'],
  database: {
    url: 'jdbc:postgresql://10.0.0.5:5432/app',
    username: 'app',
    cidr: '10.0.0.5/32',
    ...d,
  },
});

describe('database port', () => {
  it('follows the URL when unset', () => {
    const api = (url: string): number | undefined =>
      resolveSpringApi(minimalProps(database({ url }))).database?.port;
    expect(api('jdbc:postgresql://10.0.0.5:6432/app')).toBe(6432);
    expect(api('jdbc:postgresql://10.0.0.5/app')).toBe(5432);
  });
  it('may be given when it matches the URL', () => {
    expect(resolveSpringApi(minimalProps(database({ port: 5432 }))).database?.port).toBe(5432);
  });
});

describe('database rules: one exact message each', () => {
  const cases: [string, Partial<SpringApiProps>, string][] = [
    [
      'database without password property',
      {
        database: {
          url: 'jdbc:postgresql://10.0.0.5:5432/app',
          username: 'app',
          cidr: '10.0.0.5/32',
        },
      },
      'springApi.secretProperties = ["app.api-key"] is invalid: must be a list containing "spring.datasource.password" when database is set',
    ],
    [
      'database CIDR with host bits',
      {
        secretProperties: ['spring.datasource.password'],
        database: { url: 'jdbc:postgresql://db:5432/app', username: 'app', cidr: '10.0.0.5/24' },
      },
      'springApi.database.cidr = "10.0.0.5/24" is invalid: must be an IPv4 CIDR such as "10.20.0.0/24" with no host bits set',
    ],
    [
      'database URL',
      {
        secretProperties: ['spring.datasource.password'],
        database: { url: 'postgres://db/app', username: 'app', cidr: '10.0.0.5/32' },
      },
      'springApi.database.url = "postgres://db/app" is invalid: must be a PostgreSQL JDBC URL such as "jdbc:postgresql://10.20.0.5:5432/articles"',
    ],
    [
      'URL host outside the egress CIDR',
      database({ url: 'jdbc:postgresql://10.0.0.6:5432/app' }),
      'springApi.database.url = "jdbc:postgresql://10.0.0.6:5432/app" is invalid: must be a URL whose host is an IPv4 address inside database.cidr (10.0.0.5/32), the only range egress is open to',
    ],
    [
      'URL host a name egress cannot be checked against',
      database({ url: 'jdbc:postgresql://db.internal:5432/app' }),
      'springApi.database.url = "jdbc:postgresql://db.internal:5432/app" is invalid: must be a URL whose host is an IPv4 address inside database.cidr (10.0.0.5/32), the only range egress is open to',
    ],
    [
      "port other than the URL's",
      database({ port: 6432 }),
      'springApi.database.port = 6432 is invalid: must be the port database.url connects to (5432), the only port egress is open to',
    ],
    [
      "port given, URL on the driver's default",
      database({ url: 'jdbc:postgresql://10.0.0.5/app', port: 6432 }),
      'springApi.database.port = 6432 is invalid: must be the port database.url connects to (5432), the only port egress is open to',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(resolveError(minimalProps(overrides))).toBe(expected);
  });
});

/** The platform's database, with overrides. */
const platformDb = (
  d: Partial<NonNullable<SpringApiProps['database']>>,
): Partial<SpringApiProps> => ({
  secretProperties: ['spring.datasource.password'],
  database: {
    url: 'jdbc:postgresql://spring-api-db-rw.databases.svc:5432/articles',
    username: 'spring_api',
    inCluster: PLATFORM_ENDPOINTS.database,
    ...d,
  },
});

describe('the in-cluster database', () => {
  it('resolves to its endpoint and port, with no address range', () => {
    const db = resolveSpringApi(minimalProps(platformDb({}))).database;
    expect(db).toEqual({
      url: 'jdbc:postgresql://spring-api-db-rw.databases.svc:5432/articles',
      username: 'spring_api',
      port: 5432,
      inCluster: PLATFORM_ENDPOINTS.database,
    });
  });

  it('accepts the Service name with the cluster domain', () => {
    const url = 'jdbc:postgresql://spring-api-db-rw.databases.svc.cluster.local:5432/articles';
    expect(resolveSpringApi(minimalProps(platformDb({ url }))).database?.url).toBe(url);
  });

  const cases: [string, Partial<SpringApiProps>, string][] = [
    [
      'a host other than its Service',
      platformDb({ url: 'jdbc:postgresql://spring-api-db-ro.databases.svc:5432/articles' }),
      `springApi.database.url = "jdbc:postgresql://spring-api-db-ro.databases.svc:5432/articles" is invalid: must be a URL whose host is the in-cluster database's Service, spring-api-db-rw.databases.svc or spring-api-db-rw.databases.svc.cluster.local (database.inCluster), the only destination egress is open to`,
    ],
    [
      'an address',
      platformDb({ url: 'jdbc:postgresql://10.96.0.40:5432/articles' }),
      `springApi.database.url = "jdbc:postgresql://10.96.0.40:5432/articles" is invalid: must be a URL whose host is the in-cluster database's Service, spring-api-db-rw.databases.svc or spring-api-db-rw.databases.svc.cluster.local (database.inCluster), the only destination egress is open to`,
    ],
    [
      'another port',
      platformDb({ url: 'jdbc:postgresql://spring-api-db-rw.databases.svc:6432/articles' }),
      'springApi.database.url = "jdbc:postgresql://spring-api-db-rw.databases.svc:6432/articles" is invalid: must be a URL on port 5432, the in-cluster database\'s (database.inCluster.port), the only port egress is open to',
    ],
    [
      'another database',
      platformDb({ url: 'jdbc:postgresql://spring-api-db-rw.databases.svc:5432/app' }),
      'springApi.database.url = "jdbc:postgresql://spring-api-db-rw.databases.svc:5432/app" is invalid: must be a URL naming database "articles", the one the in-cluster database creates (database.inCluster.databaseName)',
    ],
    [
      'another user than its owner',
      platformDb({ username: 'app' }),
      'springApi.database.username = "app" is invalid: must be "spring_api", the owner of the in-cluster database (database.inCluster.owner), whose password the platform sets',
    ],
    [
      'a port prop other than its port',
      platformDb({ port: 6432 }),
      "springApi.database.port = 6432 is invalid: must be left out, or the in-cluster database's port (5432)",
    ],
    [
      'an address range as well',
      platformDb({ cidr: '10.0.0.5/32' }),
      'springApi.database.cidr = "10.0.0.5/32" is invalid: must be left out when database.inCluster is set: egress then goes to the in-cluster database\'s pods, not to an address range',
    ],
    [
      'neither in the cluster nor at an address range',
      platformDb({ inCluster: undefined }),
      'springApi.database.cidr = undefined is invalid: must be the address range of an external database, such as "10.20.0.5/32", unless database.inCluster names the platform\'s database',
    ],
  ];

  it.each(cases)('refuses %s, with one exact message', (_name, overrides, expected) => {
    expect(resolveError(minimalProps(overrides))).toBe(expected);
  });
});
