import { ENVIRONMENTS } from '../../../infra/config/environments';
import { renderedEnvironments } from '../../support/fixtures';
import { checkCustomResources } from '../../support/crds';

const rendered = renderedEnvironments();

function serviceMonitor(env: (typeof ENVIRONMENTS)[number]): any {
  return JSON.parse(JSON.stringify(rendered[env].find((o) => o.kind === 'ServiceMonitor')));
}

describe('ServiceMonitor against the Prometheus Operator v0.93.1 API types', () => {
  it.each(ENVIRONMENTS)('%s decodes strictly', (env) => {
    expect(checkCustomResources([serviceMonitor(env)])).toEqual([{ status: 'ok' }]);
  });

  it('rejects a misspelt field, also one that differs only in case', () => {
    const broken = serviceMonitor('prod');
    broken.spec.endpoints[0].intervall = '30s';
    const cased = serviceMonitor('prod');
    cased.spec.endpoints[0].ScrapeTimeout = '10s';
    expect(checkCustomResources([broken, cased])).toEqual([
      { status: 'error', message: 'unknown field "spec.endpoints[0].intervall"' },
      { status: 'error', message: 'unknown field "spec.endpoints[0].ScrapeTimeout"' },
    ]);
  });

  it('rejects a wrong type', () => {
    const broken = serviceMonitor('prod');
    broken.spec.endpoints[0].port = 8081;
    expect(checkCustomResources([broken])).toEqual([
      {
        status: 'error',
        message:
          'json: cannot unmarshal number into Go struct field Endpoint.spec.endpoints.port of type string',
      },
    ]);
  });

  it('says so for a kind it has no type for, rather than passing it', () => {
    expect(checkCustomResources([{ apiVersion: 'example.com/v1', kind: 'Widget' }])).toEqual([
      { status: 'unsupported' },
    ]);
  });
});
