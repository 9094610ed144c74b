import { ENVIRONMENTS } from '../../../infra/config/environments';
import { renderedEnvironments } from '../../support/fixtures';
import { checkCustomResources } from '../../support/crds';

// The API's Certificate, decoded strictly into cert-manager v1.21.2's own Go types
// (tools/crdcheck), as the ServiceMonitor is into the Prometheus Operator's.

const rendered = renderedEnvironments();

function certificate(env: (typeof ENVIRONMENTS)[number]): any {
  return JSON.parse(JSON.stringify(rendered[env].find((o) => o.kind === 'Certificate')));
}

describe('the Certificate against the cert-manager v1.21.2 API types', () => {
  it.each(ENVIRONMENTS)('%s decodes strictly', (env) => {
    expect(checkCustomResources([certificate(env)])).toEqual([{ status: 'ok' }]);
  });

  it('rejects a misspelt field and a wrong type', () => {
    const misspelt = certificate('prod');
    misspelt.spec.dnsName = misspelt.spec.dnsNames;
    const wrong = certificate('prod');
    wrong.spec.dnsNames = 'api.example.com';
    const [a, b] = checkCustomResources([misspelt, wrong]);
    expect(a).toEqual({ status: 'error', message: 'unknown field "spec.dnsName"' });
    expect(b).toMatchObject({ status: 'error' });
  });
});
