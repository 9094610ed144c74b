import { EnvironmentName, ENVIRONMENTS } from '../../infra/config/environments';
import { springApiProfiles } from '../../infra/apps/environments';
import { ManifestObject, renderEnvironment } from '../../infra/apps/render';
import { SpringApiProps } from '../../infra/apps/spring-api/props';
import { resolveSpringApi } from '../../infra/apps/spring-api/resolve';
import { ConfigError } from '../../infra/config/errors';

/** Fixed dev secret values for tests; the real ones are generated per machine. */
export const TEST_DEV_SECRETS = {
  'app.api-key': 'test-api-key-0123456789abcdef',
  'spring.datasource.password': 'test-db-password-0123456789ab',
};

export function profiles(): Record<EnvironmentName, SpringApiProps> {
  return springApiProfiles(TEST_DEV_SECRETS);
}

/** The objects of every environment, rendered once per test file. */
export function renderedEnvironments(): Record<EnvironmentName, readonly ManifestObject[]> {
  const all = profiles();
  return Object.fromEntries(
    ENVIRONMENTS.map((env) => [env, renderEnvironment(env, all[env]).objects]),
  ) as Record<EnvironmentName, readonly ManifestObject[]>;
}

/** A minimal valid profile (Vault delivery) to vary one field at a time. */
export function minimalProps(overrides: Partial<SpringApiProps> = {}): SpringApiProps {
  return {
    image: { repository: 'ghcr.io/acme/spring-api', tag: '1.2.3' },
    secretProperties: ['app.api-key'],
    secretDelivery: { kind: 'vault', role: 'spring-api', path: 'secret/data/spring-api' },
    ...overrides,
  };
}

/** Renders props in a throwaway environment named "test" and returns the objects. */
export function render(props: SpringApiProps): readonly ManifestObject[] {
  return renderEnvironment('dev', props).objects;
}

export function find(
  objects: readonly ManifestObject[],
  kind: string,
  name?: string,
): ManifestObject {
  const found = objects.find(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (!found) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} in the output`);
  return found;
}

// Typed views of the fields tests read; the manifests are plain JSON.
export function podSpec(objects: readonly ManifestObject[]): any {
  return (find(objects, 'Deployment') as any).spec.template.spec;
}

export function podAnnotations(objects: readonly ManifestObject[]): Record<string, string> {
  return (find(objects, 'Deployment') as any).spec.template.metadata.annotations ?? {};
}

export function apiContainerOf(objects: readonly ManifestObject[]): any {
  return podSpec(objects).containers[0];
}

/** The API's Vault access as the staging and prod manifests ask for it. */
export const TEST_VAULT_ACCESS = {
  role: 'spring-api',
  namespace: 'spring-api',
  serviceAccount: 'spring-api',
  kvDataPath: 'secret/data/spring-api',
  audience: 'vault',
  secretProperties: ['app.api-key', 'spring.datasource.password'],
} as const;

/** A deep, editable copy of rendered objects, for tests that break one field on purpose. */
export function editable(objects: readonly ManifestObject[]): any[] {
  return JSON.parse(JSON.stringify(objects)) as any[];
}

/** The message of the ConfigError that resolving `props` throws; fails when none is thrown. */
export function resolveError(props: SpringApiProps): string {
  try {
    resolveSpringApi(props);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
