import { springApiProfiles } from '../../../infra/apps/environments';
import { renderEnvironment } from '../../../infra/apps/render';
import { vaultAccess } from '../../../infra/apps/spring-api/vault';
import { minimalProps, podAnnotations, podSpec } from '../../support/fixtures';

// The API's Vault access is typed data taken from its resolved profile; the pod's injector
// annotations and the platform's Vault resources both read this one object.
describe('vaultAccess', () => {
  const profiles = springApiProfiles({ 'app.api-key': 'k3y', 'spring.datasource.password': 'pw' });

  it('is what staging must be granted: role, namespace, service account, path, audience, keys', () => {
    expect(vaultAccess(renderEnvironment('staging', profiles.staging).resolved)).toEqual({
      role: 'spring-api',
      namespace: 'spring-api',
      serviceAccount: 'spring-api',
      kvDataPath: 'secret/data/spring-api',
      audience: 'vault',
      secretProperties: ['app.api-key', 'spring.datasource.password'],
    });
  });

  it('is undefined for a profile that delivers secrets through a Kubernetes Secret', () => {
    expect(vaultAccess(renderEnvironment('dev', profiles.dev).resolved)).toBeUndefined();
  });

  it('follows the namespace and name the workload renders, and is what its annotations say', () => {
    const rendered = renderEnvironment(
      'staging',
      minimalProps({
        namespace: 'payments',
        secretDelivery: { kind: 'vault', role: 'payments-api', path: 'kv/data/payments/api' },
      }),
    );
    const access = vaultAccess(rendered.resolved);
    const annotations = podAnnotations(rendered.objects);
    const spec = podSpec(rendered.objects);
    const deployment = rendered.objects.find((o) => o.kind === 'Deployment');
    expect(access).toMatchObject({
      role: 'payments-api',
      namespace: 'payments',
      kvDataPath: 'kv/data/payments/api',
    });
    expect(deployment?.metadata.namespace).toBe(access?.namespace);
    expect(spec.serviceAccountName).toBe(access?.serviceAccount);
    expect(annotations['vault.hashicorp.com/role']).toBe(access?.role);
    expect(annotations['vault.hashicorp.com/agent-inject-secret-app.api-key']).toBe(
      access?.kvDataPath,
    );
    const token = spec.volumes.find((v: { name: string }) => v.name === 'vault-token');
    expect(token.projected.sources[0].serviceAccountToken.audience).toBe(access?.audience);
  });
});
