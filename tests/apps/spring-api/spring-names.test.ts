import {
  environmentBinds,
  environmentName,
  environmentNames,
  sameProperty,
  uniformProperty,
} from '../../../infra/apps/spring-api/spring-names';

// Spring Boot 4's relaxed binding (ConfigurationPropertyName, SystemEnvironmentPropertyMapper).

describe('uniform property form', () => {
  it('ignores case, dashes and underscores within each element', () => {
    for (const spelling of ['server.port', 'server.Port', 'SERVER.PORT', 'server.po-rt']) {
      expect(uniformProperty(spelling)).toBe('server.port');
    }
    expect(uniformProperty('spring.lifecycle.timeout_per_shutdown_phase')).toBe(
      'spring.lifecycle.timeoutpershutdownphase',
    );
  });
  it('keeps the dots: another element is another property', () => {
    expect(sameProperty('server.port', 'server_port')).toBe(false);
    expect(sameProperty('app.api-key', 'app.api.key')).toBe(false);
    expect(sameProperty('app.api-key', 'app.apiKey')).toBe(true);
  });
});

describe('environment variables', () => {
  it('names the variable Spring reads first, and the legacy one', () => {
    expect(environmentName('app.api-key')).toBe('APP_APIKEY');
    expect(environmentNames('app.api-key')).toEqual(['APP_APIKEY', 'APP_API_KEY']);
    expect(environmentNames('server.port')).toEqual(['SERVER_PORT']);
  });
  it('binds a variable to a property in every form Spring maps', () => {
    expect(environmentBinds('SERVER_PORT', 'server.port')).toBe(true);
    expect(environmentBinds('server_port', 'server.port')).toBe(true);
    expect(environmentBinds('server.port', 'server.port')).toBe(true);
    expect(environmentBinds('APP_APIKEY', 'app.api-key')).toBe(true);
    expect(environmentBinds('APP_API_KEY', 'app.api-key')).toBe(true);
  });
  it('does not bind what Spring would not', () => {
    expect(environmentBinds('SERVERPORT', 'server.port')).toBe(false);
    expect(environmentBinds('SERVER_PORT_X', 'server.port')).toBe(false);
    expect(environmentBinds('APP_API_KEY', 'app.apikey')).toBe(false);
  });
});
