import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { useTempDir } from '../support/temp-dir';

// `flux build kustomization --dry-run` (the Flux CLI built by scripts/install-tools.sh) builds
// the platform example exactly as kustomize-controller would, offline: what it applies, and
// the labels it marks them with for pruning.
const root = join(__dirname, '..', '..');
const flux = join(root, '.tools', 'bin', 'flux');
const platformDir = join(root, 'gitops', 'flux', 'platform');

type Doc = Record<string, any>;

function fluxBuild(path: string): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(flux)) throw new Error(`${flux} is missing: run "npm run tools"`);
  const run = spawnSync(
    flux,
    [
      'build',
      'kustomization',
      'platform',
      '--path',
      path,
      '--kustomization-file',
      join(path, 'flux-kustomization.yaml'),
      '--dry-run',
    ],
    { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('flux build of the platform example', () => {
  it('applies the namespaces, the charts source and one HelmRelease per chart, labelled for pruning', () => {
    const run = fluxBuild(platformDir);
    expect([run.status, run.stderr]).toEqual([0, '']);
    const objects = parseAllDocuments(run.stdout)
      .map((d) => d.toJS() as Doc | null)
      .filter((o): o is Doc => o !== null);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/observability',
      'Namespace/metallb-system',
      'Namespace/ingress-nginx',
      'Namespace/vault',
      'Namespace/metrics-server',
      'Namespace/headlamp',
      'Namespace/cert-manager',
      'Namespace/cnpg-system',
      'Namespace/databases',
      'GitRepository/k8s-platform-charts',
      'HelmRelease/prometheus-operator-crds',
      'HelmRelease/kube-prometheus-stack',
      'HelmRelease/metallb',
      'HelmRelease/metallb-pools',
      'HelmRelease/ingress-nginx',
      'HelmRelease/vault',
      'HelmRelease/cert-manager',
      'HelmRelease/platform-issuers',
      'HelmRelease/metrics-server',
      'HelmRelease/headlamp',
      'HelmRelease/cloudnative-pg',
      'HelmRelease/spring-api-database',
    ]);
    for (const o of objects) {
      expect([o.metadata.name, o.metadata.labels]).toEqual([
        o.metadata.name,
        expect.objectContaining({
          'kustomize.toolkit.fluxcd.io/name': 'platform',
          'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
        }),
      ]);
    }
  });

  describe('of a broken copy', () => {
    const tmp = useTempDir('flux-build');

    it('fails on a resource its kustomization.yaml lists but that does not exist', () => {
      cpSync(platformDir, tmp(), { recursive: true });
      writeFileSync(
        join(tmp(), 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n',
      );
      const run = fluxBuild(tmp());
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('missing.yaml');
    });
  });
});
