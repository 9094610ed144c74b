import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHARTS_DIR,
  CLUSTER_CHARTS,
  PLATFORM_CHARTS,
  wrapperChart,
} from '../../infra/platform/charts';

// The wrapper charts are the only place add-on versions live; Pulumi and GitOps install them.
describe('the wrapper charts', () => {
  it('pin each upstream chart exactly, from its own repository', () => {
    const pins = Object.fromEntries(
      [...CLUSTER_CHARTS, ...PLATFORM_CHARTS].map((name) => [
        name,
        wrapperChart(name).dependencies.map((d) => `${d.name} ${d.version} ${d.repository}`),
      ]),
    );
    expect(pins).toEqual({
      calico: ['tigera-operator v3.31.3 https://docs.tigera.io/calico/charts'],
      'prometheus-operator-crds': [
        'prometheus-operator-crds 31.0.1 https://prometheus-community.github.io/helm-charts',
      ],
      'kube-prometheus-stack': [
        'kube-prometheus-stack 88.5.3 https://prometheus-community.github.io/helm-charts',
      ],
      metallb: ['metallb 0.16.1 https://metallb.github.io/metallb'],
      'metallb-pools': [],
      'ingress-nginx': ['ingress-nginx 4.15.1 https://kubernetes.github.io/ingress-nginx'],
      vault: ['vault 0.34.1 https://helm.releases.hashicorp.com'],
      // kubelet-csr-approver v1.2.14; metrics-server v0.8.0; Headlamp v0.45.0.
      'kubelet-csr-approver': [
        'kubelet-csr-approver 1.2.14 https://postfinance.github.io/kubelet-csr-approver',
      ],
      'metrics-server': ['metrics-server 3.13.0 https://kubernetes-sigs.github.io/metrics-server/'],
      headlamp: ['headlamp 0.45.0 https://kubernetes-sigs.github.io/headlamp/'],
      'cert-manager': ['cert-manager v1.21.2 https://charts.jetstack.io'],
      'platform-issuers': [],
      // CloudNativePG 1.28.1 (the chart's appVersion).
      'cloudnative-pg': ['cloudnative-pg 0.27.1 https://cloudnative-pg.github.io/charts'],
      'spring-api-database': [],
    });
  });

  it('are all known to the platform layer', () => {
    const folders = readdirSync(CHARTS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(folders).toEqual([...CLUSTER_CHARTS, ...PLATFORM_CHARTS].sort());
  });

  it('nest the upstream values under the dependency name, and have values for both targets', () => {
    for (const name of [...CLUSTER_CHARTS, ...PLATFORM_CHARTS]) {
      const chart = wrapperChart(name);
      for (const dep of chart.dependencies) {
        for (const target of ['minikube', 'gcp'] as const) {
          const layers = chart.values(target);
          const keys = Object.keys(Object.assign({}, ...layers) as object);
          // Besides the upstream chart's values, only switches the wrapper's own templates read.
          const templates = join(CHARTS_DIR, name, 'templates');
          const read = existsSync(templates)
            ? readdirSync(templates)
                .map((f) => readFileSync(join(templates, f), 'utf8'))
                .join('\n')
            : '';
          const unread = keys.filter((k) => k !== dep.name && !read.includes(`.Values.${k}.`));
          expect({ name, target, hasDependency: keys.includes(dep.name), unread }).toEqual({
            name,
            target,
            hasDependency: true,
            unread: [],
          });
        }
      }
    }
  });

  it('turn off what the platform provides once: the Prometheus CRDs, snippet annotations', () => {
    const kps = wrapperChart('kube-prometheus-stack').values('gcp')[0] as {
      'kube-prometheus-stack': { crds: { enabled: boolean } };
    };
    expect(kps['kube-prometheus-stack'].crds.enabled).toBe(false);
    const ingress = wrapperChart('ingress-nginx').values('minikube')[0] as {
      'ingress-nginx': { controller: { allowSnippetAnnotations: boolean } };
    };
    expect(ingress['ingress-nginx'].controller.allowSnippetAnnotations).toBe(false);
  });

  describe('read from Chart.yaml', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'charts-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a version range', () => {
      mkdirSync(join(dir, 'x'));
      writeFileSync(
        join(dir, 'x', 'Chart.yaml'),
        'apiVersion: v2\nname: x\nversion: 0.1.0\ndependencies:\n  - name: y\n    version: ^1.2.0\n    repository: https://example.com\n',
      );
      expect(() => wrapperChart('x', dir)).toThrow(
        'charts/x/Chart.yaml: dependency y version "^1.2.0" must be an exact version such as 1.2.3',
      );
    });
  });
});
