import { certificateViolations } from '../../../infra/apps/policies/certificates';
import { editable, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();
const CERTIFICATE = 'Certificate/spring-api/spring-api';
const INGRESS = 'Ingress/spring-api/spring-api';

describe('tls-certificates policy', () => {
  it.each(['dev', 'staging', 'prod'] as const)('holds in %s', (env) => {
    expect(certificateViolations(rendered[env])).toEqual([]);
  });

  it('refuses an Ingress TLS Secret that nothing issues, or a host its Certificate omits', () => {
    const objects = editable(rendered.prod);
    const ingress = objects.find((o) => o.kind === 'Ingress');
    ingress.spec.tls = [
      { hosts: ['api.example.com', 'www.example.com'], secretName: 'api-tls' },
      { hosts: ['api.example.com'], secretName: 'other-tls' },
    ];
    expect(certificateViolations(objects)).toEqual([
      `${INGRESS} tls 0: the Certificate for "api-tls" omits www.example.com`,
      `${INGRESS} tls 1: no Certificate in its namespace issues Secret "other-tls"`,
    ]);
    const elsewhere = editable(rendered.prod);
    elsewhere.find((o) => o.kind === 'Certificate').metadata.namespace = 'other';
    expect(certificateViolations(elsewhere)).toContain(
      `${INGRESS} tls 0: no Certificate in its namespace issues Secret "api-tls"`,
    );
  });

  it("refuses any issuer but the platform's ClusterIssuer (the one both targets have)", () => {
    for (const [ref, shown] of [
      [
        { kind: 'ClusterIssuer', name: 'letsencrypt-production' },
        'ClusterIssuer/letsencrypt-production',
      ],
      [{ kind: 'Issuer', name: 'platform-tls' }, 'Issuer/platform-tls'],
      [{ name: 'platform-tls' }, 'Issuer/platform-tls'],
      [
        { kind: 'ClusterIssuer', name: 'platform-tls', group: 'example.com' },
        'ClusterIssuer/platform-tls',
      ],
    ] as const) {
      const objects = editable(rendered.staging);
      objects.find((o) => o.kind === 'Certificate').spec.issuerRef = ref;
      expect(certificateViolations(objects)).toEqual([
        `${CERTIFICATE}: issuer ${shown} is not the platform's ClusterIssuer/platform-tls`,
      ]);
    }
  });

  it('refuses a Certificate whose HTTP-01 solver the ingress controller cannot reach', () => {
    const breaks: ((policy: any) => void)[] = [
      (p) => (p.metadata.namespace = 'other'),
      (p) => (p.spec.podSelector.matchLabels = { 'app.kubernetes.io/name': 'spring-api' }),
      (p) => (p.spec.policyTypes = ['Egress']),
      (p) => (p.spec.ingress[0].ports[0].port = 8080),
      (p) => (p.spec.ingress[0].ports[0].protocol = 'UDP'),
      (p) =>
        (p.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] =
          'observability'),
    ];
    for (const edit of breaks) {
      const objects = editable(rendered.prod);
      edit(objects.find((o) => o.metadata.name === 'spring-api-acme-solver'));
      expect(certificateViolations(objects)).toEqual([
        `${CERTIFICATE}: no NetworkPolicy admits the ingress controller to the HTTP-01 solver pods on 8089`,
      ]);
    }
  });
});
