import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkConfigSources,
  CONFIG_SOURCES_PATH,
  materialize,
  platformDatabaseOf,
  secretEnvName,
} from '../../scripts/verify/jar-check';
import { editable, renderedEnvironments, TEST_DEV_SECRETS } from '../support/fixtures';
import { useTempDir } from '../support/temp-dir';

describe('materialize (what the kubelet would give the dev container)', () => {
  const temp = useTempDir('materialize');

  it('writes the ConfigMap items and the Secret as files at the mount paths', () => {
    materialize(renderedEnvironments().dev, temp());
    expect(readFileSync(join(temp(), 'etc/spring-api/config/app.environment'), 'utf8')).toBe('dev');
    expect(readFileSync(join(temp(), 'etc/spring-api/config/server.port'), 'utf8')).toBe('8080');
    const secret = join(temp(), 'etc/spring-api/secrets/app.api-key');
    expect(readFileSync(secret, 'utf8')).toBe(TEST_DEV_SECRETS['app.api-key']);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
  });

  it('sets the environment from configMapKeyRef and secretKeyRef, config trees pointed at the copies', () => {
    const { env, secretValues } = materialize(renderedEnvironments().dev, temp());
    expect(env.APP_APIKEY).toBe(TEST_DEV_SECRETS['app.api-key']);
    expect(env.JAVA_TOOL_OPTIONS).toContain('-XX:MaxRAMPercentage=60');
    expect(env.SPRING_CONFIG_IMPORT).toBe(
      `optional:configtree:${temp()}/etc/spring-api/config/,optional:configtree:${temp()}/etc/spring-api/secrets/`,
    );
    // The API key and, since dev uses the platform's PostgreSQL, the database password.
    expect(secretValues).toEqual([
      TEST_DEV_SECRETS['app.api-key'],
      TEST_DEV_SECRETS['spring.datasource.password'],
    ]);
  });
});

describe("platformDatabaseOf (the database verify stands in for the platform's)", () => {
  it('is the Service the dev manifests name, its owner and the password of the dev Secret', () => {
    expect(platformDatabaseOf(renderedEnvironments().dev)).toEqual({
      database: 'articles',
      owner: 'spring_api',
      password: TEST_DEV_SECRETS['spring.datasource.password'],
    });
  });

  it('is undefined for any other database', () => {
    const objects = editable(renderedEnvironments().dev);
    objects.find((o) => o.kind === 'ConfigMap').data['spring.datasource.url'] =
      'jdbc:postgresql://10.0.0.5:5432/articles';
    expect(platformDatabaseOf(objects)).toBeUndefined();
  });
});

describe("checkConfigSources (the management port's report, as verify reads it in dev)", () => {
  const report = (apiKey: object, environment: object = { kind: 'config-folder' }): string =>
    JSON.stringify({
      sources: [],
      properties: { 'app.api-key': apiKey, 'app.environment': environment },
    });
  const fromVariable = {
    set: true,
    source: 'systemEnvironment',
    kind: 'environment',
    origin: 'System Environment Property "APP_APIKEY"',
  };

  it('is served on the management port as an actuator endpoint', () => {
    expect(CONFIG_SOURCES_PATH).toBe('/actuator/configsources');
  });

  it('finds the variable the dev Deployment fills from the Secret', () => {
    const deployment = renderedEnvironments().dev.find((o) => o.kind === 'Deployment') as any;
    expect(secretEnvName(deployment.spec.template.spec.containers[0])).toBe('APP_APIKEY');
    expect(secretEnvName({ env: [{ name: 'APP_APIKEY', value: 'plain' }] })).toBeUndefined();
  });

  it('passes the key from the named variable and the environment from the ConfigMap folder', () => {
    expect(checkConfigSources(report(fromVariable), 'APP_APIKEY', ['s3cret'])).toEqual([]);
  });

  it('fails a key from another source or another variable, naming what it found', () => {
    const folder = { set: true, kind: 'secrets-folder', origin: 'file [/x/app.api-key] - 1:1' };
    expect(checkConfigSources(report(folder), 'APP_APIKEY', [])).toEqual([
      `app.api-key should come from the Secret's environment variable APP_APIKEY, came from ${JSON.stringify(folder)}`,
    ]);
    const other = { ...fromVariable, origin: 'System Environment Property "APP_API_KEY"' };
    expect(checkConfigSources(report(other), 'APP_APIKEY', [])).toHaveLength(1);
    expect(checkConfigSources(report(fromVariable), undefined, [])).toEqual([
      'no environment variable of the container takes app.api-key from a Secret',
    ]);
  });

  it('fails an environment name from elsewhere, and a secret value anywhere in the report', () => {
    expect(checkConfigSources(report(fromVariable, { set: false }), 'APP_APIKEY', [])).toEqual([
      'app.environment should come from the ConfigMap folder, came from {"set":false}',
    ]);
    const leaked = report({ ...fromVariable, value: 's3cret' });
    expect(checkConfigSources(leaked, 'APP_APIKEY', ['s3cret'])).toEqual([
      '/actuator/configsources shows a secret value',
    ]);
  });
});
