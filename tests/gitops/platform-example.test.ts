import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Cluster } from '../../infra/cluster/cluster';
import { platformChartsFor } from '../../infra/platform/charts';
import { Platform, PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import { recordResources, settled, valueOf } from '../support/pulumi-mocks';

// The Flux example that installs the platform from the wrapper charts must install what the
// Pulumi platform layer installs: the same charts and values files, in the same order, into
// namespaces with the same Pod Security levels.
const root = join(__dirname, '..', '..');
const dir = join(root, 'gitops', 'flux', 'platform');

type Doc = Record<string, any>;
const read = (path: string): Doc[] =>
  parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Doc);
const docs = (file: string): Doc[] => read(join(dir, file));

recordResources();

/** The order the Pulumi platform layer installs the wrapper charts in: each chart's dependsOn
 * among the other charts, read from the platform on minikube under mocks. */
async function pulumiChartOrder(): Promise<Record<string, string[]>> {
  // Names alone are ambiguous (namespace "vault", release "vault"): keep the Helm ones.
  const helm = new Map<pulumi.Resource, string>();
  const deps = new Map<string, unknown[]>();
  const record: pulumi.ResourceTransformation = (args) => {
    if (/^kubernetes:helm\.sh\/v\d:(Chart|Release)$/.test(args.type)) {
      helm.set(args.resource, args.name);
      deps.set(args.name, ([] as unknown[]).concat(args.opts.dependsOn ?? []));
    }
    // Pulumi waits for cert-manager's webhook after its chart; Flux's release does the same
    // through the chart's startupapicheck hook, so a wait on it is a wait on cert-manager.
    if (args.type === 'command:local:Command' && args.name === 'cert-manager-ready')
      helm.set(args.resource, 'cert-manager');
    return undefined;
  };
  const ready = new k8s.core.v1.ConfigMap('cluster-ready', {});
  const cluster: Cluster = {
    provider: new k8s.Provider('stand-in', { kubeconfig: 'stand-in' }),
    kubeconfig: { path: '/home/me/.kube/config' },
    context: 'minikube',
    networking: { kind: 'minikube', metallbPool: '192.168.49.200-192.168.49.250' },
    ready: [ready],
  };
  const platform = new Platform(
    'platform',
    { cluster, environment: 'dev', databasePassword: 'x' },
    { transformations: [record] },
  );
  await valueOf(platform.ingressAddress);
  await settled();
  return Object.fromEntries(
    platformChartsFor('minikube').map((c) => [
      c,
      [
        ...new Set(
          (deps.get(c) ?? [])
            .map((d) => helm.get(d as pulumi.Resource))
            .filter((d): d is string => d !== undefined),
        ),
      ].sort(),
    ]),
  );
}

describe('the Flux platform example', () => {
  const releases = docs('releases.yaml');

  it('has one HelmRelease per wrapper chart, from this repository, with existing values files', () => {
    // minikube's charts: the gcp-only kubelet CSR approver is documented, not listed.
    expect(releases.map((r) => r.metadata.name)).toEqual(platformChartsFor('minikube'));
    for (const r of releases) {
      const spec = r.spec.chart.spec;
      expect(spec.chart).toBe(`./charts/${r.metadata.name}`);
      expect(spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'k8s-platform-charts' });
      expect(spec.valuesFiles[0]).toBe(`./charts/${r.metadata.name}/values.yaml`);
      for (const f of spec.valuesFiles) expect([f, existsSync(join(root, f))]).toEqual([f, true]);
    }
  });

  it('upgrades a release only when its chart version changes, values files inside the chart', () => {
    for (const r of releases) {
      const spec = r.spec.chart.spec;
      expect([r.metadata.name, spec.reconcileStrategy]).toEqual([r.metadata.name, 'ChartVersion']);
      // Only files inside the chart folder count towards its version (charts/versions.lock.json).
      for (const f of spec.valuesFiles)
        expect([f, f.startsWith(`./charts/${r.metadata.name}/`)]).toEqual([f, true]);
    }
  });

  it('orders the releases as the platform layer does', () => {
    const deps = Object.fromEntries(
      releases.map((r) => [
        r.metadata.name,
        (r.spec.dependsOn ?? []).map((d: { name: string }) => d.name),
      ]),
    );
    expect(deps).toEqual({
      'prometheus-operator-crds': [],
      'kube-prometheus-stack': ['prometheus-operator-crds'],
      metallb: ['prometheus-operator-crds'],
      'metallb-pools': ['metallb'],
      'ingress-nginx': ['metallb-pools', 'prometheus-operator-crds'],
      vault: [],
      'metrics-server': ['cert-manager'],
      headlamp: [],
      'cert-manager': ['prometheus-operator-crds'],
      'platform-issuers': ['cert-manager'],
      'cloudnative-pg': ['prometheus-operator-crds'],
      'spring-api-database': ['cloudnative-pg', 'prometheus-operator-crds'],
    });
  });

  it('orders the releases exactly as the Pulumi platform layer orders its charts', async () => {
    const flux = Object.fromEntries(
      releases.map((r) => [
        r.metadata.name,
        (r.spec.dependsOn ?? []).map((d: { name: string }) => d.name).sort(),
      ]),
    );
    expect(flux).toEqual(await pulumiChartOrder());
  });

  it('lists each release after the ones it depends on, all in flux-system', () => {
    const seen = new Set<string>();
    for (const r of releases) {
      expect(r.metadata.namespace).toBe('flux-system');
      for (const d of r.spec.dependsOn ?? []) {
        expect(d.namespace ?? 'flux-system').toBe('flux-system');
        expect([r.metadata.name, d.name, seen.has(d.name)]).toEqual([
          r.metadata.name,
          d.name,
          true,
        ]);
      }
      seen.add(r.metadata.name);
    }
  });

  it('creates the namespaces with the Pod Security levels the platform layer uses', () => {
    const levels = Object.fromEntries(
      docs('namespaces.yaml').map((n) => [
        n.metadata.name,
        n.metadata.labels['pod-security.kubernetes.io/enforce'],
      ]),
    );
    expect(levels).toEqual(PLATFORM_NAMESPACES);
  });

  it('lists every file in its kustomization', () => {
    expect(docs('kustomization.yaml')[0]?.resources).toEqual([
      'namespaces.yaml',
      'source.yaml',
      'releases.yaml',
    ]);
  });

  describe('as a Flux Kustomization', () => {
    const [platform, ...others] = read(join(dir, 'flux-kustomization.yaml'));
    const [source] = docs('source.yaml');

    it('applies this folder from the charts source, pruning, and waits for every object', () => {
      expect(others).toEqual([]);
      expect(platform).toMatchObject({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'platform', namespace: 'flux-system' },
        spec: {
          sourceRef: { kind: 'GitRepository', name: source?.metadata.name },
          path: './gitops/flux/platform',
          prune: true,
          wait: true,
        },
      });
      // Long enough for the slowest release it waits for.
      const minutes = (t: string) => Number(/^(\d+)m$/.exec(t)?.[1]);
      const slowest = Math.max(...releases.map((r) => minutes(r.spec.timeout ?? '5m')));
      expect(minutes(platform?.spec.timeout)).toBeGreaterThanOrEqual(2 * slowest);
    });

    it('reads a source that keeps this folder and the charts', () => {
      const ignore = String(source?.spec.ignore).split('\n');
      expect(ignore).toEqual(
        expect.arrayContaining(['/*', '!/charts/', '!/gitops/flux/platform/']),
      );
    });

    it('is what the API Kustomization of each environment depends on', () => {
      for (const env of ['staging', 'prod']) {
        const app = read(join(root, 'gitops', 'flux', env, 'spring-api.yaml')).find(
          (d) => d.kind === 'Kustomization',
        );
        expect([env, app?.metadata.namespace, app?.spec.dependsOn]).toEqual([
          env,
          platform?.metadata.namespace,
          [{ name: 'platform' }],
        ]);
      }
    });
  });
});
