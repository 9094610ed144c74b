import { quotaHard, solverRoom } from '../../../infra/apps/spring-api/quota';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { ENVIRONMENTS } from '../../../infra/config/environments';
import { ACME_HTTP01_SOLVER } from '../../../infra/config/platform';
import { parseCpuMillis, parseMemoryBytes } from '../../../infra/config/quantities';
import { find, minimalProps, render, renderedEnvironments } from '../../support/fixtures';

const TLS = { ingress: { host: 'api.example.com', tlsSecretName: 'api-tls' } };

describe('the Ingress certificate', () => {
  const objects = render(minimalProps(TLS));
  const certificate = find(objects, 'Certificate') as any;

  it('has the platform issuer issue the Ingress’s TLS Secret for its host', () => {
    expect(certificate.apiVersion).toBe('cert-manager.io/v1');
    expect(certificate.metadata).toMatchObject({ name: 'spring-api', namespace: 'spring-api' });
    expect(certificate.spec).toEqual({
      secretName: 'api-tls',
      secretTemplate: { labels: certificate.metadata.labels },
      dnsNames: ['api.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'platform-tls' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    });
    const ingress = find(objects, 'Ingress') as any;
    expect(ingress.spec.tls).toEqual([
      { hosts: certificate.spec.dnsNames, secretName: certificate.spec.secretName },
    ]);
    // No controller-specific (or cert-manager ingress-shim) annotation does it instead.
    expect(ingress.metadata.annotations).toBeUndefined();
  });

  it('admits the ingress controller, and nothing else, to the HTTP-01 solver pods on their port', () => {
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'spring-api-acme-solver',
    ) as any;
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
              },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8089 }],
        },
      ],
    });
    // Their egress stays closed by the namespace's default deny.
    const deny = objects.find((o) => o.metadata.name === 'default-deny-all') as any;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('is absent, with its policy, when the Ingress serves no TLS', () => {
    for (const props of [minimalProps(), minimalProps({ ingress: { host: 'api.example.com' } })]) {
      const kinds = render(props).map((o) => `${o.kind}/${o.metadata.name}`);
      expect(kinds).not.toContain('Certificate/spring-api');
      expect(kinds).not.toContain('NetworkPolicy/spring-api-acme-solver');
    }
  });
});

describe('room in the quota for the HTTP-01 solver', () => {
  it('is one pod of the solver’s requests and limits per Certificate, none without TLS', () => {
    expect(solverRoom(resolveSpringApi(minimalProps(TLS)))).toEqual({
      pods: 1,
      footprint: {
        cpuRequest: 10,
        cpuLimit: 100,
        memoryRequest: 64 * 2 ** 20,
        memoryLimit: 64 * 2 ** 20,
      },
    });
    expect(solverRoom(resolveSpringApi(minimalProps())).pods).toBe(0);
  });

  it('is added on top of the rollout’s peak and headroom', () => {
    const without = quotaHard(
      resolveSpringApi(minimalProps({ ingress: { host: 'a.example.com' } })),
    );
    const withTls = quotaHard(resolveSpringApi(minimalProps(TLS)));
    const delta = (key: string, parse: (v: string) => number | undefined) =>
      (parse(withTls[key] ?? '') ?? NaN) - (parse(without[key] ?? '') ?? NaN);
    expect(Number(withTls.pods) - Number(without.pods)).toBe(1);
    expect(delta('requests.cpu', parseCpuMillis)).toBe(10);
    expect(delta('limits.cpu', parseCpuMillis)).toBe(100);
    expect(delta('requests.memory', parseMemoryBytes)).toBe(64 * 2 ** 20);
    expect(delta('limits.memory', parseMemoryBytes)).toBe(64 * 2 ** 20);
  });

  it.each(ENVIRONMENTS)('%s: the LimitRange admits the solver’s container', (env) => {
    const max = (find(renderedEnvironments()[env], 'LimitRange') as any).spec.limits[0].max;
    const r = ACME_HTTP01_SOLVER.resources;
    expect(parseCpuMillis(max.cpu)).toBeGreaterThanOrEqual(parseCpuMillis(r.cpuLimit) ?? Infinity);
    expect(parseMemoryBytes(max.memory)).toBeGreaterThanOrEqual(
      parseMemoryBytes(r.memoryLimit) ?? Infinity,
    );
  });
});

describe.each(ENVIRONMENTS)('%s', (env) => {
  it('serves TLS from a Certificate of the platform issuer, dev included (prod-like)', () => {
    const certificate = find(renderedEnvironments()[env], 'Certificate') as any;
    expect(certificate.spec.secretName).toBe('api-tls');
    expect(certificate.spec.issuerRef.name).toBe('platform-tls');
  });
});

describe("kube-score's one per-object exception", () => {
  it('sits on the ACME solver policy alone, whose pods exist only during a challenge', () => {
    for (const env of ENVIRONMENTS) {
      const ignoring = renderedEnvironments()[env].filter(
        (o) =>
          (o.metadata.annotations as Record<string, string> | undefined)?.['kube-score/ignore'] !==
          undefined,
      );
      expect(ignoring.map((o) => [o.kind, o.metadata.name, o.metadata.annotations])).toEqual([
        [
          'NetworkPolicy',
          'spring-api-acme-solver',
          { 'kube-score/ignore': 'networkpolicy-targets-pod' },
        ],
      ]);
    }
  });
});
