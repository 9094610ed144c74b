import {
  CONFIG_IMPORT,
  MANAGED_PROPERTIES,
  managedSettings,
  managedVariables,
} from '../../../infra/apps/spring-api/managed';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { ConfigError } from '../../../infra/config/errors';
import { find, minimalProps, render } from '../../support/fixtures';

describe('managed properties: one list for validation and for the ConfigMap', () => {
  const withDb = resolveSpringApi(
    minimalProps({
      secretProperties: ['spring.datasource.password'],
      database: { url: 'jdbc:postgresql://10.0.0.5/app', username: 'app', cidr: '10.0.0.5/32' },
    }),
  );

  it('sets exactly the listed properties, as files or as variables', () => {
    expect([...Object.keys(managedSettings(withDb)), 'spring.config.import'].sort()).toEqual(
      [...MANAGED_PROPERTIES].sort(),
    );
    expect(managedVariables(withDb)).toEqual({ SPRING_CONFIG_IMPORT: CONFIG_IMPORT });
  });

  it('derives values from the props and leaves the database alone without one', () => {
    const api = resolveSpringApi(minimalProps({ httpPort: 9000, managementPort: 9001 }));
    expect(managedSettings(api)).toEqual({
      'server.port': '9000',
      'management.server.port': '9001',
      'server.shutdown': 'graceful',
      'spring.lifecycle.timeout-per-shutdown-phase': '20s',
      'management.endpoint.health.probes.enabled': 'true',
    });
    expect(managedSettings(withDb)['spring.datasource.url']).toBe('jdbc:postgresql://10.0.0.5/app');
  });
});

describe('what the construct writes itself', () => {
  const props = minimalProps({
    secretProperties: ['spring.datasource.password'],
    database: { url: 'jdbc:postgresql://10.0.0.5/app', username: 'app', cidr: '10.0.0.5/32' },
  });
  // The profile sets no settings and no environment: every key in the ConfigMap is the construct's.
  const data: Record<string, string> = (find(render(props), 'ConfigMap') as any).data;

  function refused(overrides: Parameters<typeof minimalProps>[0]): boolean {
    try {
      resolveSpringApi({ ...props, ...overrides });
      return false;
    } catch (error) {
      if (error instanceof ConfigError) return true;
      throw error;
    }
  }

  it('is only what a profile may not set, as a setting or as a variable', () => {
    const keys = Object.keys(data);
    expect(keys.length).toBeGreaterThan(5);
    const allowed = keys.filter((key) =>
      /^[A-Z0-9_]+$/.test(key)
        ? !refused({ environment: { [key]: 'x' } })
        : !refused({ settings: { [key]: 'x' } }),
    );
    expect(allowed).toEqual([]);
  });
});
