import { SpringApiProps } from '../../../infra/apps/spring-api/props';
import { minimalProps, resolveError } from '../../support/fixtures';

// Where a profile sets Spring properties: settings (files), environment (variables) and
// secretProperties. Every spelling Spring binds to a managed or secret property is refused.

const managed = (key: string, value: string, property: string): string =>
  `springApi.${key} = "${value}" is invalid: must be left unset: Spring binds it to "${property}", which the construct sets itself`;
const secret = (key: string, property: string): string =>
  `springApi.${key} = "<redacted>" is invalid: must be left unset: Spring binds it to the secret property "${property}", whose value only secretDelivery provides`;

const withDatabase: Partial<SpringApiProps> = {
  secretProperties: ['app.api-key', 'spring.datasource.password'],
  database: { url: 'jdbc:postgresql://10.0.0.5:5432/app', username: 'app', cidr: '10.0.0.5/32' },
};

describe('property rules: one exact message each', () => {
  const cases: [string, Partial<SpringApiProps>, string][] = [
    [
      'managed setting',
      { settings: { 'server.port': '9090' } },
      'springApi.settings["server.port"] = "9090" is invalid: must be left unset: Spring binds it to "server.port", which the construct sets itself',
    ],
    [
      'setting not in canonical form',
      { settings: { 'App.Greeting': 'hi' } },
      'springApi.settings["App.Greeting"] = "App.Greeting" is invalid: must be a Spring property name in canonical form (lowercase, "." and "-")',
    ],
    [
      'environment name',
      { environment: { 'java-opts': '-Xmx1g' } },
      'springApi.environment["java-opts"] = "java-opts" is invalid: must be an UPPER_SNAKE_CASE variable name',
    ],
    [
      'managed environment variable',
      { environment: { SPRING_CONFIG_IMPORT: 'file:/x' } },
      'springApi.environment["SPRING_CONFIG_IMPORT"] = "file:/x" is invalid: must be left unset: Spring binds it to "spring.config.import", which the construct sets itself',
    ],
    [
      'no secret properties',
      { secretProperties: [] },
      'springApi.secretProperties = [] is invalid: must be a non-empty list',
    ],
    [
      'secret property too long for an annotation',
      { secretProperties: ['app.a-very-long-property-name-for-an-annotation'] },
      'springApi.secretProperties[0] = "app.a-very-long-property-name-for-an-annotation" is invalid: must be a Spring property name in canonical form (lowercase, "." and "-"), at most 41 characters',
    ],
    [
      'secret also a setting',
      { secretProperties: ['app.api-key'], settings: { 'app.api-key': 'oops' } },
      'springApi.settings["app.api-key"] = "<redacted>" is invalid: must be left unset: Spring binds it to the secret property "app.api-key", whose value only secretDelivery provides',
    ],
    [
      'managed setting, camelCase',
      { settings: { 'server.Port': '9090' } },
      managed('settings["server.Port"]', '9090', 'server.port'),
    ],
    [
      'managed setting, dashes dropped',
      { settings: { 'spring.lifecycle.timeoutpershutdownphase': '1s' } },
      managed(
        'settings["spring.lifecycle.timeoutpershutdownphase"]',
        '1s',
        'spring.lifecycle.timeout-per-shutdown-phase',
      ),
    ],
    [
      'managed setting, underscores',
      { settings: { 'spring.lifecycle.timeout_per_shutdown_phase': '1s' } },
      managed(
        'settings["spring.lifecycle.timeout_per_shutdown_phase"]',
        '1s',
        'spring.lifecycle.timeout-per-shutdown-phase',
      ),
    ],
    [
      'managed setting, extra dash',
      { settings: { 'management.server.po-rt': '9091' } },
      managed('settings["management.server.po-rt"]', '9091', 'management.server.port'),
    ],
    [
      'SERVER_PORT in the environment (it would beat the managed server.port)',
      { environment: { SERVER_PORT: '9090' } },
      managed('environment["SERVER_PORT"]', '9090', 'server.port'),
    ],
    [
      'MANAGEMENT_SERVER_PORT in the environment',
      { environment: { MANAGEMENT_SERVER_PORT: '8080' } },
      managed('environment["MANAGEMENT_SERVER_PORT"]', '8080', 'management.server.port'),
    ],
    [
      'a managed property in its env form, dashes dropped',
      { environment: { SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE: '1s' } },
      managed(
        'environment["SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE"]',
        '1s',
        'spring.lifecycle.timeout-per-shutdown-phase',
      ),
    ],
    [
      'a managed property in its legacy env form, dashes as underscores',
      { environment: { SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE: '1s' } },
      managed(
        'environment["SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"]',
        '1s',
        'spring.lifecycle.timeout-per-shutdown-phase',
      ),
    ],
    [
      'a managed variable in lower case',
      { environment: { server_port: '9090' } },
      managed('environment["server_port"]', '9090', 'server.port'),
    ],
    [
      'the database URL in the environment',
      { ...withDatabase, environment: { SPRING_DATASOURCE_URL: 'jdbc:postgresql://x/y' } },
      managed(
        'environment["SPRING_DATASOURCE_URL"]',
        'jdbc:postgresql://x/y',
        'spring.datasource.url',
      ),
    ],
    [
      'a managed property as a secret property (a Secret key, a Vault file)',
      { secretProperties: ['app.api-key', 'server.port'] },
      'springApi.secretProperties[1] = "server.port" is invalid: must be another property: Spring binds it to "server.port", which the construct sets itself',
    ],
    [
      'APP_APIKEY as a plain environment value',
      { environment: { APP_APIKEY: 'k3y' } },
      secret('environment["APP_APIKEY"]', 'app.api-key'),
    ],
    [
      'APP_API_KEY, the legacy env form of app.api-key',
      { environment: { APP_API_KEY: 'k3y' } },
      secret('environment["APP_API_KEY"]', 'app.api-key'),
    ],
    [
      'the database password as a plain environment value',
      { ...withDatabase, environment: { SPRING_DATASOURCE_PASSWORD: 'hunter2' } },
      secret('environment["SPRING_DATASOURCE_PASSWORD"]', 'spring.datasource.password'),
    ],
    [
      'a secret property as a setting in another spelling',
      { settings: { 'app.apikey': 'k3y' } },
      secret('settings["app.apikey"]', 'app.api-key'),
    ],
    [
      'the database password as a setting, underscores',
      { ...withDatabase, settings: { 'spring.datasource.pass_word': 'hunter2' } },
      secret('settings["spring.datasource.pass_word"]', 'spring.datasource.password'),
    ],
    [
      'a secret property listed twice in two spellings',
      { secretProperties: ['app.api-key', 'app.apikey'] },
      'springApi.secretProperties[1] = "app.apikey" is invalid: must be listed once: Spring binds it to "app.api-key" too',
    ],
    [
      'a variable that binds a setting',
      { settings: { 'app.greeting': 'hi' }, environment: { APP_GREETING: 'hello' } },
      'springApi.environment["APP_GREETING"] = "hello" is invalid: must be left unset: Spring binds it to "app.greeting", which settings already sets',
    ],
    [
      'one setting in two spellings',
      { settings: { 'app.max-items': '5', 'app.maxitems': '6' } },
      'springApi.settings["app.maxitems"] = "6" is invalid: must be left unset: Spring binds it to "app.max-items", which settings already sets',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(resolveError(minimalProps(overrides))).toBe(expected);
  });

  it('never prints a secret set in the wrong place', () => {
    const message = resolveError(minimalProps({ environment: { APP_APIKEY: 's3cr3t-value' } }));
    expect(message).not.toContain('s3cr3t-value');
  });
});
