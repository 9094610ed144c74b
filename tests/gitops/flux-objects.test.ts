import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { platformChartsFor } from '../../infra/platform/charts';
import { checkCustomResources } from '../support/crds';

// Every Flux object in gitops/flux/ decoded strictly into Flux's own Go API types (the versions
// Flux 2.9.5 is built from, tools/crdcheck): a misspelt or misplaced field, which the API
// server would drop without a word, fails here.
const root = join(__dirname, '..', '..');
const fluxDir = join(root, 'gitops', 'flux');

type Doc = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(join(dir, e.name))
      : /\.ya?ml$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

const fluxObjects: { file: string; doc: Doc }[] = yamlFiles(fluxDir).flatMap((f) =>
  parseAllDocuments(readFileSync(f, 'utf8'))
    .map((d) => d.toJS() as Doc)
    .filter((doc) => /\.toolkit\.fluxcd\.io\//.test(String(doc?.apiVersion)))
    .map((doc) => ({ file: relative(root, f), doc })),
);

const where = ({ file, doc }: { file: string; doc: Doc }) =>
  `${file} ${doc.kind}/${doc.metadata?.name}`;

describe('the Flux objects in gitops/flux', () => {
  it('are all there: sources, Kustomizations and HelmReleases of every example', () => {
    expect(fluxObjects.map(where).sort()).toEqual(
      [
        'gitops/flux/platform/flux-kustomization.yaml Kustomization/platform',
        'gitops/flux/platform/source.yaml GitRepository/k8s-platform-charts',
        // The example is minikube's: the gcp-only kubelet CSR approver is not in it.
        ...platformChartsFor('minikube').map(
          (n) => `gitops/flux/platform/releases.yaml HelmRelease/${n}`,
        ),
        ...['staging', 'prod'].flatMap((env) => [
          `gitops/flux/${env}/spring-api.yaml GitRepository/k8s-platform-manifests`,
          `gitops/flux/${env}/spring-api.yaml Kustomization/spring-api`,
        ]),
      ].sort(),
    );
  });

  it("decode strictly into Flux's API types", () => {
    const results = checkCustomResources(fluxObjects.map((o) => o.doc));
    expect(fluxObjects.map((o, i) => [where(o), results[i]])).toEqual(
      fluxObjects.map((o) => [where(o), { status: 'ok' }]),
    );
  });

  describe('refuse', () => {
    const first = (kind: string): Doc => {
      const found = fluxObjects.find((o) => o.doc.kind === kind);
      if (!found) throw new Error(`no ${kind} in gitops/flux`);
      return structuredClone(found.doc);
    };

    it('a misspelt HelmRelease field', () => {
      const release = first('HelmRelease');
      const spec = release.spec.chart.spec;
      spec.reconcileStratgy = spec.reconcileStrategy;
      delete spec.reconcileStrategy;
      expect(checkCustomResources([release])).toEqual([
        { status: 'error', message: 'unknown field "spec.chart.spec.reconcileStratgy"' },
      ]);
    });

    it('a Kustomization field in the wrong case', () => {
      const k = first('Kustomization');
      k.spec.DependsOn = [{ name: 'platform' }];
      expect(checkCustomResources([k])).toEqual([
        { status: 'error', message: 'unknown field "spec.DependsOn"' },
      ]);
    });

    it('a Kustomization field of the wrong type', () => {
      const k = first('Kustomization');
      k.spec.prune = 'true';
      expect(checkCustomResources([k])).toEqual([
        {
          status: 'error',
          message:
            'json: cannot unmarshal string into Go struct field KustomizationSpec.spec.prune of type bool',
        },
      ]);
    });

    it('an unknown field of a GitRepository', () => {
      const source = first('GitRepository');
      source.spec.ref.branches = 'main';
      expect(checkCustomResources([source])).toEqual([
        { status: 'error', message: 'unknown field "spec.ref.branches"' },
      ]);
    });
  });
});
