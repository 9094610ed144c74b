import { SpringApiProps } from '../../../infra/apps/spring-api/props';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { minimalProps, resolveError } from '../../support/fixtures';

// The egress NetworkPolicy opens database.cidr on database.port and nothing else, so the JDBC
// URL must connect inside that range on that port.

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
