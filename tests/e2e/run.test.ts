import { coreDns, databaseEndpoint, RESTRICTED_CONTAINER } from '../../scripts/e2e/addons';
import { apiNames } from '../../scripts/e2e/cluster-images';
import { metricsServer } from '../../scripts/e2e/metrics-server';
import { quantityBytes } from '../../scripts/e2e/parts/app';
import { PARTS, selectParts } from '../../scripts/e2e/run';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { validateStrict } from '../support/schema';

// The e2e's own choices, checked without a node: which parts run, and the objects it installs
// beside the manifests (strict Kubernetes schemas, restricted-compatible containers).
describe('e2e parts', () => {
  it('runs every part by default, in order', () => {
    expect([...selectParts([])]).toEqual([...PARTS]);
  });

  it('brings the parts a part needs', () => {
    expect([...selectParts(['--only=rollout'])]).toEqual(['app', 'vault', 'rollout']);
    expect([...selectParts(['--only=interrupt'])]).toEqual(['interrupt']);
  });

  it('refuses an unknown part or argument, naming it and listing the parts', () => {
    expect(() => selectParts(['--only=app,hpa'])).toThrow(
      `usage: e2e [--only=${PARTS.join(',')}] (unknown: hpa)`,
    );
    expect(() => selectParts(['--fast'])).toThrow('(unknown: --fast)');
  });
});

describe('what the e2e installs beside the manifests', () => {
  const objects = [...coreDns(), ...metricsServer(), ...databaseEndpoint()];

  it('passes the strict Kubernetes schemas', () => {
    const bad = validateStrict(objects).filter((r) => r.status !== 'ok');
    expect(bad).toEqual([]);
  });

  it('runs its own containers as restricted allows (no root, read-only, no capabilities)', () => {
    const containers = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap(
        (o) =>
          (o as { spec: { template: { spec: { containers: { securityContext: unknown }[] } } } })
            .spec.template.spec.containers,
      );
    expect(containers).toHaveLength(2);
    for (const c of containers) expect(c.securityContext).toEqual(RESTRICTED_CONTAINER);
  });

  it('names the database Service as the platform defines it', () => {
    const service = databaseEndpoint().find((o) => o.kind === 'Service') as {
      metadata: { name: string; namespace: string };
    };
    expect(service.metadata).toEqual({
      name: PLATFORM_ENDPOINTS.database.service,
      namespace: PLATFORM_ENDPOINTS.database.namespace,
    });
  });

  it('imports the API image under the manifest name and a second tag for the rollout', () => {
    expect(apiNames({ repository: 'ghcr.io/o/spring-api', tag: '0.1.0' })).toEqual([
      'ghcr.io/o/spring-api:0.1.0',
      'ghcr.io/o/spring-api:0.1.0-e2e.2',
    ]);
  });

  it('reads memory quantities, refusing a unit it does not know', () => {
    expect(quantityBytes('640Mi')).toBe(640 * 1024 * 1024);
    expect(quantityBytes('1Gi')).toBe(1024 ** 3);
    expect(() => quantityBytes('1G')).toThrow(
      'memory quantity 1G: expected a number with Ki, Mi or Gi',
    );
  });

  it('builds CoreDNS with every plugin its Corefile names, in CoreDNS order', () => {
    const config = coreDns().find((o) => o.kind === 'ConfigMap') as {
      data: { Corefile: string };
    };
    // The plugins of the server block: the first word of each line one level in.
    const used = [...config.data.Corefile.matchAll(/^ {4}([a-z_]+)/gm)].map((m) => m[1]);
    const main = readFileSync(join(__dirname, '..', '..', 'tools', 'coredns', 'main.go'), 'utf8');
    const directives = /Directives = \[\]string\{([^}]*)\}/.exec(main)?.[1] ?? '';
    const built = [...directives.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
    const imported = [...main.matchAll(/coredns\/plugin\/([a-z_]+)"/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(3);
    expect([...built].sort()).toEqual([...used].sort());
    expect([...imported].sort()).toEqual([...used].sort());
    // CoreDNS's own plugin.cfg order, as its generated zdirectives.go lists it.
    const order = ['ready', 'health', 'errors', 'cache', 'kubernetes'];
    expect(built).toEqual(order.filter((p) => built.includes(p)));
  });
});
