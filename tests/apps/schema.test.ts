import { ENVIRONMENTS } from '../../infra/config/environments';
import { ManifestObject } from '../../infra/apps/render';
import { renderedEnvironments } from '../support/fixtures';
import { validateStrict } from '../support/schema';

// Kinds whose schema is not part of Kubernetes itself; tests/apps/crds checks them against
// their operator's API types instead.
const CUSTOM_KINDS = ['ServiceMonitor', 'Certificate'];

const rendered = renderedEnvironments();

describe.each(ENVIRONMENTS)('%s manifests against the strict Kubernetes 1.32 schema', (env) => {
  const objects = rendered[env];
  const results = validateStrict(objects);

  it('has a schema for every built-in kind and passes it', () => {
    const failures = objects
      .map((o, i) => ({ o, r: results[i] }))
      .filter(({ o, r }) => !(CUSTOM_KINDS.includes(o.kind) && r?.status === 'no-schema'))
      .filter(({ r }) => r?.status !== 'ok')
      .map(({ o, r }) => `${o.kind}/${o.metadata.name}: ${JSON.stringify(r)}`);
    expect(failures).toEqual([]);
  });

  it('leaves only the custom kinds to the CRD check', () => {
    const noSchema = objects.filter((_, i) => results[i]?.status === 'no-schema');
    expect(noSchema.map((o) => o.kind)).toEqual(CUSTOM_KINDS);
  });
});

describe('the strict schema check itself', () => {
  const deployment = rendered.prod.find((o) => o.kind === 'Deployment') as ManifestObject;

  it('rejects a misspelt field', () => {
    const broken = JSON.parse(JSON.stringify(deployment)) as {
      spec: { template: { spec: Record<string, unknown> } };
    };
    broken.spec.template.spec.terminationGracePeriodSecond = 30;
    const [result] = validateStrict([broken]);
    expect(result).toEqual({
      status: 'error',
      path: 'spec.template.spec',
      message:
        "Additional properties are not allowed ('terminationGracePeriodSecond' was unexpected)",
    });
  });

  it('rejects a wrong type', () => {
    const broken = JSON.parse(JSON.stringify(deployment)) as { spec: Record<string, unknown> };
    broken.spec.revisionHistoryLimit = 'five';
    const [result] = validateStrict([broken]);
    expect(result).toEqual({
      status: 'error',
      path: 'spec.revisionHistoryLimit',
      message: "'five' is not of type 'integer', 'null'",
    });
  });

  it('rejects a value outside an enum-like format', () => {
    const service = JSON.parse(JSON.stringify(rendered.prod.find((o) => o.kind === 'Service'))) as {
      spec: { ports: Record<string, unknown>[] };
    };
    service.spec.ports[0] = { ...service.spec.ports[0], port: '80' };
    const [result] = validateStrict([service]);
    expect(result?.status).toBe('error');
  });
});
