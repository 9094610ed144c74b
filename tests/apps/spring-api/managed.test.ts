import {
  CONFIG_IMPORT,
  MANAGED_PROPERTIES,
  managedSettings,
  managedVariables,
} from '../../../infra/apps/spring-api/managed';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { minimalProps } from '../../support/fixtures';

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
