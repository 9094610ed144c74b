import { ingressHostViolations } from '../../../infra/apps/policies/ingress';
import { editable, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();

describe('ingress-hosts policy', () => {
  it.each(['dev', 'staging', 'prod'] as const)('holds in %s', (env) => {
    expect(ingressHostViolations(rendered[env])).toEqual([]);
  });

  it('refuses IPv4 and IPv6 addresses as rule and TLS hosts', () => {
    const objects = editable(rendered.prod);
    const ingress = objects.find((o) => o.kind === 'Ingress');
    ingress.spec.rules[0].host = '203.0.113.7';
    ingress.spec.tls[0].hosts = ['2001:db8::7', '[::1]', 'api.example.com'];
    expect(ingressHostViolations(objects)).toEqual([
      'Ingress/spring-api/spring-api rule 0: host "203.0.113.7" is an IP address, not a DNS name',
      'Ingress/spring-api/spring-api tls 0: host "2001:db8::7" is an IP address, not a DNS name',
      'Ingress/spring-api/spring-api tls 0: host "[::1]" is an IP address, not a DNS name',
    ]);
  });
});
