import { springPropertyViolations } from '../../../infra/apps/policies/spring-properties';
import { editable, renderedEnvironments } from '../../support/fixtures';

// Each test breaks one environment's rendered objects the way a construct bug (or a profile
// that slipped past validation) would, and expects the exact violation.

const rendered = renderedEnvironments();
const API = 'Deployment/spring-api/spring-api container api';

function parts(objects: any[]): { configMap: any; container: any; spec: any; secret: any } {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  return {
    configMap: objects.find((o) => o.kind === 'ConfigMap'),
    container: deployment.spec.template.spec.containers[0],
    spec: deployment.spec.template.spec,
    secret: objects.find((o) => o.kind === 'Secret'),
  };
}

/** Adds a ConfigMap key and mounts it as a config-tree file. */
function addFile(objects: any[], key: string, value: string): void {
  const { configMap, spec } = parts(objects);
  configMap.data[key] = value;
  spec.volumes.find((v: any) => v.name === 'config').configMap.items.push({ key, path: key });
}

/** Adds a ConfigMap key and feeds it as an environment variable. */
function addVariable(objects: any[], name: string, value: string): void {
  const { configMap, container } = parts(objects);
  configMap.data[name] = value;
  container.env.push({
    name,
    valueFrom: { configMapKeyRef: { name: 'spring-api-config', key: name } },
  });
}

describe('spring-properties policy', () => {
  it.each(['dev', 'staging', 'prod'] as const)('holds in %s', (env) => {
    expect(springPropertyViolations(rendered[env])).toEqual([]);
  });

  it('refuses SERVER_PORT next to the managed server.port file (the variable would win)', () => {
    const objects = editable(rendered.prod);
    addVariable(objects, 'SERVER_PORT', '9090');
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: property server.port is set 2 times, Spring keeps one: file /etc/spring-api/config/server.port from ConfigMap spring-api-config, env SERVER_PORT from ConfigMap spring-api-config`,
    ]);
  });

  it('refuses a literal variable in the legacy spelling of a dashed managed property', () => {
    const objects = editable(rendered.prod);
    parts(objects).container.env.push({
      name: 'SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE',
      value: '1s',
    });
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: property spring.lifecycle.timeout-per-shutdown-phase is set 2 times, Spring keeps one: file /etc/spring-api/config/spring.lifecycle.timeout-per-shutdown-phase from ConfigMap spring-api-config, env SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE as a literal value`,
    ]);
  });

  it('refuses a config-tree file in another spelling (camelCase, underscore)', () => {
    const objects = editable(rendered.prod);
    addFile(objects, 'server.Port', '9090');
    addFile(objects, 'spring.lifecycle.timeout_per_shutdown_phase', '1s');
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: property server.port is set 2 times, Spring keeps one: file /etc/spring-api/config/server.port from ConfigMap spring-api-config, file /etc/spring-api/config/server.Port from ConfigMap spring-api-config`,
      `${API}: property spring.lifecycle.timeout-per-shutdown-phase is set 2 times, Spring keeps one: file /etc/spring-api/config/spring.lifecycle.timeout-per-shutdown-phase from ConfigMap spring-api-config, file /etc/spring-api/config/spring.lifecycle.timeout_per_shutdown_phase from ConfigMap spring-api-config`,
    ]);
  });

  it('refuses a Secret key that is a managed property (dev mounts every key)', () => {
    const objects = editable(rendered.dev);
    parts(objects).secret.data['management.server.port'] = Buffer.from('8080').toString('base64');
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: property management.server.port is set 2 times, Spring keeps one: file /etc/spring-api/config/management.server.port from ConfigMap spring-api-config, file /etc/spring-api/secrets/management.server.port from Secret spring-api-secrets`,
    ]);
  });

  it('refuses APP_APIKEY as a plain value next to the Vault file (prod)', () => {
    const objects = editable(rendered.prod);
    parts(objects).container.env.push({ name: 'APP_APIKEY', value: 'not-so-secret' });
    addVariable(objects, 'SPRING_DATASOURCE_PASSWORD', 'hunter2');
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: secret property app.api-key is also set in plain text: env APP_APIKEY as a literal value`,
      `${API}: secret property spring.datasource.password is also set in plain text: env SPRING_DATASOURCE_PASSWORD from ConfigMap spring-api-config`,
    ]);
  });

  it('refuses a secret property in plain text in every relaxed spelling (dev)', () => {
    const objects = editable(rendered.dev);
    addVariable(objects, 'APP_API_KEY', 'x');
    addFile(objects, 'app.apikey', 'x');
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: secret property app.api-key is also set in plain text: file /etc/spring-api/config/app.apikey from ConfigMap spring-api-config, env APP_API_KEY from ConfigMap spring-api-config`,
    ]);
  });

  it('accepts one secret bound twice from the same Secret key (file and variable, dev)', () => {
    const { container } = parts(editable(rendered.dev));
    expect(container.env).toContainEqual({
      name: 'APP_APIKEY',
      valueFrom: { secretKeyRef: { name: 'spring-api-secrets', key: 'app.api-key' } },
    });
    expect(springPropertyViolations(rendered.dev)).toEqual([]);
  });

  it('refuses ports Spring would listen on that the container does not declare', () => {
    const objects = editable(rendered.prod);
    const { configMap, spec } = parts(objects);
    configMap.data['server.port'] = '9090';
    delete configMap.data['management.server.port'];
    const items = spec.volumes.find((v: any) => v.name === 'config').configMap.items;
    items.splice(
      items.findIndex((i: any) => i.key === 'management.server.port'),
      1,
    );
    expect(springPropertyViolations(objects)).toEqual([
      `${API}: Spring listens on server.port 9090, but the container port "http" is 8080`,
      `${API}: Spring listens on management.server.port 9090, but the container port "management" is 8081`,
    ]);
  });
});
