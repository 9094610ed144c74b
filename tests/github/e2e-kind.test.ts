import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { platformChartsFor } from '../../infra/platform/charts';
import { kindReleases } from '../../scripts/e2e/kind';

// .github/workflows/e2e-kind.yml cannot run here (no Docker, no internet): checked as data, next
// to the generic checks of workflows.test.ts (pins, permissions, scripts present, actionlint).
const root = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const workflow = parse(read('.github/workflows/e2e-kind.yml'));
const job = workflow.jobs.e2e;
const steps = job.steps as any[];
const script = read('scripts/e2e/kind-e2e.sh');
const cluster = parse(read('.github/kind/cluster.yaml'));

const SCRIPT = 'bash scripts/e2e/kind-e2e.sh';
const index = (match: (s: any) => boolean, what: string): number => {
  const i = steps.findIndex(match);
  if (i < 0) throw new Error(`no step ${what}`);
  return i;
};
const runs = (text: string) => (s: any) => String(s.run ?? '').includes(text);
const uses = (action: string) => (s: any) => String(s.uses ?? '').startsWith(`${action}@`);

describe('e2e-kind.yml', () => {
  it('runs on pull requests touching what it exercises, and by hand', () => {
    expect(workflow.on.pull_request.paths).toEqual(
      expect.arrayContaining([
        'infra/**',
        'charts/**',
        'apps/**',
        'scripts/**',
        'gitops/flux/platform/**',
        '.github/kind/**',
        '.github/workflows/e2e-kind.yml',
      ]),
    );
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'workflow_dispatch']);
  });

  it('reads the repository only, keeps no credentials, and is bounded in time', () => {
    expect(Object.keys(workflow.jobs)).toEqual(['e2e']);
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(steps[0].uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
    expect(steps[0].with['persist-credentials']).toBe(false);
    expect(job['timeout-minutes']).toBeGreaterThan(0);
    expect(job['timeout-minutes']).toBeLessThanOrEqual(60);
    expect(JSON.stringify(workflow)).not.toContain('secrets.');
  });

  it('sets up Node 20 with the npm cache, then installs without scripts', () => {
    const node = steps[index(uses('actions/setup-node'), 'setup-node')];
    expect(node.with).toEqual({ 'node-version': '20', cache: 'npm' });
    expect(index(uses('actions/setup-node'), 'setup-node')).toBeLessThan(
      index(runs('npm ci'), 'npm ci'),
    );
    expect(steps.filter(runs('npm ci')).map((s) => s.run)).toEqual(['npm ci --ignore-scripts']);
  });

  it('goes tools, cluster, synth, image, load, platform, Vault, app, smoke', () => {
    const order = [
      index(runs('npm ci'), 'npm ci'),
      index(runs(`${SCRIPT} tools`), 'tools'),
      index(runs(`${SCRIPT} up`), 'up'),
      index(runs('npm run synth -- dev'), 'synth'),
      index(runs(`${SCRIPT} image`), 'image'),
      index(uses('docker/build-push-action'), 'build'),
      index(runs(`${SCRIPT} load`), 'load'),
      index(runs(`${SCRIPT} platform`), 'platform'),
      index(runs(`${SCRIPT} vault`), 'vault'),
      index(runs(`${SCRIPT} app`), 'app'),
      index(runs(`${SCRIPT} smoke`), 'smoke'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('builds the API from its Dockerfile under the name dist/dev runs, locally only', () => {
    const ref = steps[index(runs(`${SCRIPT} image`), 'image')];
    expect(ref.id).toBe('image');
    expect(ref.run).toContain('>> "$GITHUB_OUTPUT"');
    const build = steps[index(uses('docker/build-push-action'), 'build')];
    expect(build.with).toMatchObject({
      context: 'apps/spring-api',
      load: true,
      push: false,
      tags: '${{ steps.image.outputs.ref }}',
    });
  });

  it('runs the smoke test last, then diagnostics on failure and the cleanup always', () => {
    const smoke = index(runs(`${SCRIPT} smoke`), 'smoke');
    const unconditional = steps.map((s, i) => (s.if === undefined ? i : -1)).filter((i) => i >= 0);
    expect(unconditional.at(-1)).toBe(smoke);
    expect(steps.slice(smoke + 1).map((s) => [s.run, s.if])).toEqual([
      [`${SCRIPT} diagnostics`, 'failure()'],
      [`${SCRIPT} down`, 'always()'],
    ]);
    // The smoke command users run after `pulumi up`, on the kind context.
    expect(script).toContain('npm run smoke -- --kubeconfig "$KUBECONFIG" --context "$context"');
    expect(script).toContain('context="kind-$cluster"');
  });
});

describe('the kind cluster', () => {
  const [node, ...others] = cluster.nodes as any[];
  const image = /^kindest\/node:v(\d+\.\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(node.image);

  it("runs one node at the cluster's Kubernetes minor, pinned by digest", () => {
    expect(cluster).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(others).toEqual([]);
    expect(node.role).toBe('control-plane');
    expect(image?.[1]).toBe(KUBERNETES_MINOR);
  });

  it('comes from the kind release the job installs, named where the digest was read', () => {
    const version = /^KIND_MODULE="sigs\.k8s\.io\/kind@(v\d+\.\d+\.\d+)"$/m.exec(script)?.[1];
    expect(version).toBeDefined();
    const config = read('.github/kind/cluster.yaml');
    expect(config).toContain(`kind ${version}'s release notes`);
    expect(config).toContain(`github.com/kubernetes-sigs/kind/releases/tag/${version}`);
  });

  it("binds kube-proxy's metrics beyond loopback, on IPv4 (MetalLB's pool)", () => {
    expect(cluster.networking.ipFamily).toBe('ipv4');
    const patches = (cluster.kubeadmConfigPatches as string[]).map((p) => parse(p));
    expect(patches).toEqual([
      {
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        metricsBindAddress: '0.0.0.0:10249',
      },
    ]);
  });
});

describe('the platform the job installs', () => {
  it("is every chart of minikube's platform, in the Flux example's order", () => {
    expect(kindReleases(['172.18.0.0/16']).map((r) => r.name)).toEqual(
      platformChartsFor('minikube'),
    );
    expect(script).toContain('ts install --context "$context" --subnets "$subnets"');
  });
});
