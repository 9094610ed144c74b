import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PLATFORM_CHARTS } from '../../infra/platform/charts';
import { PLATFORM_NAMESPACES } from '../../infra/platform/platform';

// The Flux example that installs the platform from the wrapper charts must install what the
// Pulumi platform layer installs: the same charts and values files, in the same order, into
// namespaces with the same Pod Security levels.
const root = join(__dirname, '..', '..');
const dir = join(root, 'gitops', 'flux', 'platform');

type Doc = Record<string, any>;
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJS() as Doc);

describe('the Flux platform example', () => {
  const releases = docs('releases.yaml');

  it('has one HelmRelease per wrapper chart, from this repository, with existing values files', () => {
    expect(releases.map((r) => r.metadata.name)).toEqual([...PLATFORM_CHARTS]);
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
    });
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
});
