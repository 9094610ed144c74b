import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  crdSourceLines,
  generateCrds,
  IMPORTS_DIR,
  k8sSourceLines,
  verifyHeader,
} from '../../scripts/cdk8s-import/import';

const root = resolve(__dirname, '..', '..');
const committed = (name: string) => readFileSync(join(IMPORTS_DIR, name), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the manifests are typed the cdk8s way', () => {
  it("imports no package's private files (no deep import such as cdk8s-plus-28/lib/imports/k8s)", () => {
    const deep = sources(join(root, 'infra')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '((?:@[^/'.][^/']*\/)?[^/'.][^/']*\/[^']+)'/g)]
        .map((m) => m[1])
        .filter((specifier) => !specifier.startsWith('node:'))
        // A subpath a package exports is public (@pulumi/pulumi/..., constructs, cdk8s); its
        // lib/ (compiled internals) is not.
        .filter((specifier) => /\/lib\//.test(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(deep).toEqual([]);
  });

  it('builds Kubernetes objects from the committed imports of Kubernetes 1.32', () => {
    const users = sources(join(root, 'infra', 'apps')).filter((file) =>
      /from '\.\.\/imports\/k8s'/.test(readFileSync(file, 'utf8')),
    );
    expect(users.length).toBeGreaterThan(0);
    expect(committed('k8s.ts')).toMatch(/^\/\/ Source: kube-apiserver v1\.32\.\d+;/m);
  });
});

describe('infra/apps/imports is what `npm run import:k8s` generates', () => {
  it('k8s.ts: unedited, from the pinned kube-apiserver and cdk8s-cli', () => {
    expect(verifyHeader(committed('k8s.ts'), k8sSourceLines())).toEqual([]);
  });

  it('monitoring.coreos.com.ts: unedited, from the pinned Prometheus Operator and cdk8s-cli', () => {
    expect(verifyHeader(committed('monitoring.coreos.com.ts'), crdSourceLines())).toEqual([]);
  });

  it('monitoring.coreos.com.ts: regenerated from the CRD file, byte for byte', () => {
    expect(generateCrds()).toBe(committed('monitoring.coreos.com.ts'));
  }, 120_000);

  it('cert-manager.io.ts: unedited, from the cert-manager charts/cert-manager installs', () => {
    const lines = crdSourceLines('cert-manager.io.ts');
    expect(lines[0]).toBe('Source: github.com/cert-manager/cert-manager v1.21.2;');
    expect(verifyHeader(committed('cert-manager.io.ts'), lines)).toEqual([]);
    expect(committed('cert-manager.io.ts')).toContain(
      '// deploy/crds/cert-manager.io_certificates.yaml\n',
    );
  });

  it('cert-manager.io.ts: regenerated from the Certificate CRD in the Go module, byte for byte', () => {
    expect(generateCrds('cert-manager.io.ts')).toBe(committed('cert-manager.io.ts'));
  }, 120_000);

  // k8s.ts is regenerated from the pinned kube-apiserver by `npm run verify` (part imports),
  // which builds that binary; here the header test above ties it to the pinned versions.
});
