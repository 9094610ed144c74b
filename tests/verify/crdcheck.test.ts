import { checkCustomResources } from '../support/crds';

// tools/crdcheck decodes CloudNativePG 1.28.1 and cert-manager 1.21.2 objects into their Go API
// types, as it does Prometheus Operator, MetalLB and Flux objects. The repository's own objects
// of these kinds are decoded where they are rendered (verify's charts check, the apps tests);
// here, that the decoder knows the kinds and refuses what the operators would drop.

const cluster = () => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'db', namespace: 'databases' },
  spec: {
    instances: 3,
    storage: { size: '10Gi' },
    postgresql: { synchronous: { method: 'any', number: 1 } },
    bootstrap: {
      initdb: { database: 'articles', owner: 'spring_api', secret: { name: 'db-app' } },
    },
  },
});

const issuer = () => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'platform-tls' },
  spec: {
    acme: {
      email: 'ops@example.com',
      server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'platform-tls-account' },
      solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }],
    },
  },
});

describe('crdcheck with the CloudNativePG and cert-manager types', () => {
  it('decodes a database cluster, a scheduled backup, an issuer and a certificate', () => {
    expect(
      checkCustomResources([
        cluster(),
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'ScheduledBackup',
          metadata: { name: 'daily' },
          spec: { schedule: '0 0 3 * * *', cluster: { name: 'db' } },
        },
        issuer(),
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { name: 'api-tls' },
          spec: {
            secretName: 'api-tls',
            dnsNames: ['api.example.com'],
            issuerRef: { kind: 'ClusterIssuer', name: 'platform-tls' },
          },
        },
      ]),
    ).toEqual([{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }, { status: 'ok' }]);
  });

  it('refuses a misspelt field and a wrong type', () => {
    const misspelt = cluster();
    (misspelt.spec.postgresql.synchronous as Record<string, unknown>).numbr = 1;
    const wrong = issuer();
    (wrong.spec.acme.solvers[0] as Record<string, unknown>).http01 = 'nginx';
    const [a, b] = checkCustomResources([misspelt, wrong]);
    expect(a).toEqual({
      status: 'error',
      message: 'unknown field "spec.postgresql.synchronous.numbr"',
    });
    expect(b).toMatchObject({ status: 'error' });
    expect((b as { message: string }).message).toContain(
      'acme.solvers.http01 of type v1.ACMEChallengeSolverHTTP01',
    );
  });
});
