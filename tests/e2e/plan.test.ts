import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as k8s from '@pulumi/kubernetes';
import { Cluster } from '../../infra/cluster/cluster';
import { STACK_DEFAULTS } from '../../infra/config/stack';
import { platformChartsFor } from '../../infra/platform/charts';
import { Platform } from '../../infra/platform/platform';
import {
  deploymentImage,
  fluxReleases,
  helmSteps,
  metallbPoolFromSubnets,
  platformSecrets,
  withValues,
} from '../../scripts/e2e/plan';
import { recordResources, settled, valueOf } from '../support/pulumi-mocks';

const root = resolve(__dirname, '..', '..');
const releasesText = readFileSync(
  join(root, 'gitops', 'flux', 'platform', 'releases.yaml'),
  'utf8',
);
const releases = fluxReleases(releasesText);
const byName = (name: string) => releases.find((r) => r.name === name)!;

describe('fluxReleases: the Flux example read as helm needs it', () => {
  it("lists minikube's platform charts in the example's order", () => {
    expect(releases.map((r) => r.name)).toEqual(platformChartsFor('minikube'));
  });

  it('keeps each release’s namespace, values files, timeout, wait and CRD handling', () => {
    const docs = parseAllDocuments(releasesText).map((d) => d.toJS());
    for (const r of releases) {
      const spec = docs.find((d) => d.metadata.name === r.name).spec;
      expect(r.namespace).toBe(spec.targetNamespace);
      expect(r.chart).toBe(`charts/${r.name}`);
      expect(r.valuesFiles).toEqual(spec.chart.spec.valuesFiles.map((f: string) => f.slice(2)));
    }
    expect(byName('kube-prometheus-stack')).toMatchObject({
      timeout: '15m',
      wait: true,
      skipCrds: true,
      dependsOn: ['prometheus-operator-crds'],
    });
    expect(byName('vault')).toMatchObject({ timeout: '10m', wait: false, skipCrds: false });
    // Flux's own default when a release sets none.
    expect(byName('metrics-server')).toMatchObject({ timeout: '5m', wait: true });
    expect(byName('metallb-pools').values).toEqual({
      pools: [{ name: 'default', addresses: [STACK_DEFAULTS.metallbPool], l2: true }],
    });
  });

  it('refuses a release listed before one it depends on', () => {
    const [crds, stack] = releasesText.split(/^---$/m);
    expect(() => fluxReleases(`${stack}\n---\n${crds}`)).toThrow(
      'HelmRelease kube-prometheus-stack depends on prometheus-operator-crds, which releases.yaml does not list before it',
    );
  });

  it('refuses a release without a target namespace', () => {
    expect(() =>
      fluxReleases(
        'kind: HelmRelease\nmetadata: {name: x}\nspec: {chart: {spec: {chart: ./charts/x}}}',
      ),
    ).toThrow('HelmRelease x: no spec.targetNamespace');
  });
});

describe('withValues', () => {
  it('replaces the inline values of the named release only', () => {
    const pools = { pools: [{ name: 'default', addresses: ['10.0.0.200-10.0.0.250'], l2: true }] };
    const out = withValues(releases, { 'metallb-pools': pools });
    expect(out.find((r) => r.name === 'metallb-pools')?.values).toEqual(pools);
    expect(out.filter((r) => r.name !== 'metallb-pools')).toEqual(
      releases.filter((r) => r.name !== 'metallb-pools'),
    );
  });

  it('refuses values for a release that does not exist', () => {
    expect(() => withValues(releases, { 'metallb-pool': {} })).toThrow(
      'no HelmRelease metallb-pool to set values on',
    );
  });
});

describe('helmSteps', () => {
  const steps = helmSteps(releases, {
    context: 'kind-e2e',
    valuesDir: '/tmp/v',
    hasDependencies: (name) => name !== 'metallb-pools',
  });

  it('builds a wrapper chart’s dependencies right before installing it', () => {
    const stack = steps.filter((s) => s.release === 'kube-prometheus-stack');
    expect(stack.map((s) => s.args.slice(0, 2))).toEqual([
      ['dependency', 'build'],
      ['upgrade', '--install'],
    ]);
    expect(stack[0]?.args).toEqual(['dependency', 'build', 'charts/kube-prometheus-stack']);
    expect(steps.filter((s) => s.release === 'metallb-pools')).toHaveLength(1);
  });

  it('installs with the values files in order, waiting and skipping CRDs as Flux would', () => {
    expect(steps.find((s) => s.release === 'kube-prometheus-stack' && s.args[0] === 'upgrade')?.args).toEqual([
      'upgrade', '--install', 'kube-prometheus-stack', 'charts/kube-prometheus-stack',
      '--kube-context', 'kind-e2e', '--namespace', 'observability',
      '--values', 'charts/kube-prometheus-stack/values.yaml',
      '--values', 'charts/kube-prometheus-stack/values-minikube.yaml',
      '--timeout', '15m', '--wait', '--wait-for-jobs', '--skip-crds',
    ]); // prettier-ignore
    const vault = steps.find((s) => s.release === 'vault' && s.args[0] === 'upgrade')?.args ?? [];
    expect(vault).not.toContain('--wait');
    expect(vault.slice(-2)).toEqual(['--timeout', '10m']);
  });

  it('writes inline values to a file given last', () => {
    const pools = steps.find((s) => s.release === 'metallb-pools');
    expect(pools?.valuesFile).toEqual({
      path: '/tmp/v/metallb-pools.values.json',
      content: JSON.stringify(byName('metallb-pools').values),
    });
    const args = pools?.args ?? [];
    expect(args[args.indexOf('--timeout') - 1]).toBe('/tmp/v/metallb-pools.values.json');
  });
});

describe('metallbPoolFromSubnets', () => {
  it('takes 51 addresses near the top of the IPv4 subnet, ignoring IPv6', () => {
    expect(metallbPoolFromSubnets(['172.18.0.0/16', 'fc00:f853:ccd:e793::/64'])).toBe(
      '172.18.255.200-172.18.255.250',
    );
    expect(metallbPoolFromSubnets(['10.0.0.0/8'])).toBe('10.255.255.200-10.255.255.250');
  });

  it("gives minikube's default pool on minikube's network", () => {
    expect(metallbPoolFromSubnets([STACK_DEFAULTS.minikubeNetwork])).toBe(
      STACK_DEFAULTS.metallbPool,
    );
  });

  it.each([
    [[], ''],
    [['fc00::/64'], 'fc00::/64'],
    [['172.18.0.0/16', '172.19.0.0/16'], '172.18.0.0/16 172.19.0.0/16'],
    [['172.18.0.0/25'], '172.18.0.0/25'],
    [['172.18.0.1/16'], '172.18.0.1/16'],
  ])('refuses %j', (subnets, shown) => {
    expect(() => metallbPoolFromSubnets(subnets)).toThrow(
      `kind network subnets "${shown}": expected exactly one IPv4 subnet, /8 to /24 (an IPv4 CIDR such as "10.20.0.0/24" with no host bits set), to leave room for a pool`,
    );
  });
});

describe('platformSecrets', () => {
  const registered = recordResources();
  /** A value the engine may have marked secret, unwrapped. */
  const plain = (v: any): any => (v && typeof v === 'object' && 'value' in v ? v.value : v);

  /** The Secrets the Pulumi platform layer creates on minikube, under mocks. */
  async function pulumiSecrets(): Promise<Record<string, unknown>[]> {
    registered.length = 0;
    const cluster: Cluster = {
      provider: new k8s.Provider('stand-in', { kubeconfig: 'stand-in' }),
      kubeconfig: { path: '/home/me/.kube/config' },
      context: 'minikube',
      networking: { kind: 'minikube', metallbPool: STACK_DEFAULTS.metallbPool },
      ready: [],
    };
    const platform = new Platform('platform', {
      cluster,
      environment: 'dev',
      databasePassword: 'db-password',
    });
    await valueOf(platform.ingressAddress);
    await settled();
    return registered
      .filter((r) => r.type === 'kubernetes:core/v1:Secret')
      .map((r) => {
        const data = plain(r.inputs.stringData);
        return {
          metadata: r.inputs.metadata,
          type: r.inputs.type,
          keys: Object.keys(data).sort(),
          username: plain(data.username),
        };
      });
  }

  it('makes the Secrets Pulumi creates on minikube: names, namespaces, types, keys', async () => {
    const mine = platformSecrets({ grafanaAdminPassword: 'g', databasePassword: 'd' }).map(
      (s: any) => ({
        metadata: s.metadata,
        type: s.type,
        keys: Object.keys(s.stringData).sort(),
        username: s.stringData.username,
      }),
    );
    const bySecretName = (a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name);
    expect(mine.sort(bySecretName)).toEqual((await pulumiSecrets()).sort(bySecretName));
  });

  it('carries the given values and nothing else', () => {
    const [grafana, db] = platformSecrets({ grafanaAdminPassword: 'g', databasePassword: 'd' });
    expect((grafana as any).stringData).toEqual({ 'admin-user': 'admin', 'admin-password': 'g' });
    expect((db as any).stringData).toEqual({ username: 'spring_api', password: 'd' });
  });
});

describe('deploymentImage', () => {
  it('reads the one Deployment’s image', () => {
    const text =
      'kind: Service\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: r/api:1\n';
    expect(deploymentImage(text)).toBe('r/api:1');
  });

  it('refuses zero or several images', () => {
    expect(() => deploymentImage('kind: Service\n')).toThrow(
      'expected one Deployment with one container, found 0 Deployment(s) and 0 image(s)',
    );
  });
});
