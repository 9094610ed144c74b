import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { materialize } from '../../scripts/verify/jar-check';
import { renderedEnvironments, TEST_DEV_SECRETS } from '../support/fixtures';
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
    expect(secretValues).toEqual([TEST_DEV_SECRETS['app.api-key']]);
  });
});
