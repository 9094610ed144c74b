import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDevSecrets } from '../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES } from '../../infra/apps/environments';
import { synthesize } from '../../infra/apps/synth';
import { platformChartsFor, wrapperChart } from '../../infra/platform/charts';
import { PLATFORM_NAMESPACES } from '../../infra/platform/namespaces';
import { app, image, install, namespaces, Run } from '../../scripts/e2e/kind';
import { fluxReleases } from '../../scripts/e2e/plan';
import { profiles } from '../support/fixtures';
import { useTempDir } from '../support/temp-dir';

// The repository-derived steps of the kind job, with kubectl and helm replaced by a recorder:
// what would run, in which order, with which files, and that no secret is ever an argument.
const root = resolve(__dirname, '..', '..');
const flux = fluxReleases(
  readFileSync(join(root, 'gitops', 'flux', 'platform', 'releases.yaml'), 'utf8'),
);

interface Call {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string;
  /** The inline values files' contents at the time helm ran. */
  readonly files: Record<string, string>;
}

function recorder(): { calls: Call[]; exec: Run } {
  const calls: Call[] = [];
  const exec: Run = (command, args, input) => {
    const files: Record<string, string> = {};
    for (const [i, a] of args.entries())
      if (args[i - 1] === '--values' && !a.startsWith('charts/'))
        files[a] = readFileSync(a, 'utf8');
    calls.push({ command, args, ...(input === undefined ? {} : { input }), files });
  };
  return { calls, exec };
}

describe('install: the platform as the Flux example installs it', () => {
  const temp = useTempDir('kind-install');
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  function installed() {
    const devSecrets = join(temp(), '.secrets', 'dev.json');
    const { calls, exec } = recorder();
    install('kind-e2e', ['172.18.0.0/16', 'fc00:f853:ccd:e793::/64'], { exec, devSecrets });
    const dev = loadDevSecrets(devSecrets, DEV_SECRET_PROPERTIES);
    return { calls, dev };
  }

  it("installs every chart of minikube's platform, in the Flux example's order", () => {
    const { calls } = installed();
    const upgrades = calls.filter((c) => c.command === 'helm' && c.args[0] === 'upgrade');
    expect(upgrades.map((c) => c.args[2])).toEqual(platformChartsFor('minikube'));
    expect(upgrades.map((c) => c.args[2])).toEqual(flux.map((r) => r.releaseName));
  });

  it("gives each chart the example's values files, in order, into its namespace", () => {
    const { calls } = installed();
    for (const r of flux) {
      const c = calls.find((x) => x.command === 'helm' && x.args[2] === r.releaseName)!;
      const files = c.args.filter((_, i) => c.args[i - 1] === '--values');
      expect(files.filter((f) => f.startsWith('charts/'))).toEqual(r.valuesFiles);
      expect(c.args[c.args.indexOf('--namespace') + 1]).toBe(r.namespace);
      expect(c.args[c.args.indexOf('--kube-context') + 1]).toBe('kind-e2e');
    }
  });

  it('builds the dependencies of every chart that wraps an upstream one, before installing it', () => {
    const { calls } = installed();
    const helm = calls.filter((c) => c.command === 'helm').map((c) => c.args.join(' '));
    for (const name of platformChartsFor('minikube')) {
      const build = helm.indexOf(`dependency build charts/${name}`);
      const upgrade = helm.findIndex((a) => a.startsWith(`upgrade --install ${name} `));
      if (wrapperChart(name).dependencies.length > 0)
        expect([name, build]).toEqual([name, upgrade - 1]);
      else expect([name, build]).toEqual([name, -1]);
    }
  });

  it("gives MetalLB the kind network's pool, as Pulumi passes a minikube pool", () => {
    const { calls } = installed();
    const pools = calls.find((c) => c.args[2] === 'metallb-pools')!;
    expect(Object.values(pools.files).map((t) => JSON.parse(t))).toEqual([
      { pools: [{ name: 'default', addresses: ['172.18.255.200-172.18.255.250'], l2: true }] },
    ]);
  });

  it('creates the namespaces and Secrets first, the Secrets on stdin only', () => {
    const { calls, dev } = installed();
    expect(calls[0]?.args).toEqual([
      '--context', 'kind-e2e', 'apply', '-f', join(root, 'gitops', 'flux', 'platform', 'namespaces.yaml'),
    ]); // prettier-ignore
    expect(calls[1]?.args).toEqual(['--context', 'kind-e2e', 'apply', '-f', '-']);
    const list = JSON.parse(calls[1]?.input ?? '{}');
    const db = list.items.find((s: any) => s.metadata.name === 'spring-api-db-app');
    const grafana = list.items.find((s: any) => s.metadata.name === 'grafana-admin');
    expect(db.stringData.password).toBe(dev['spring.datasource.password']);
    expect(grafana.stringData['admin-password']).toMatch(/^[0-9a-f]{32}$/);
    const secrets = [db.stringData.password, grafana.stringData['admin-password']];
    for (const c of calls) for (const s of secrets) expect(c.args.join(' ')).not.toContain(s);
  });

  it("waits for the API's database last, and leaves no values file behind", () => {
    const { calls } = installed();
    expect(calls.at(-1)?.args).toEqual([
      '--context', 'kind-e2e', '--namespace', 'databases', 'wait',
      'clusters.postgresql.cnpg.io/spring-api-db', '--for=condition=Ready', '--timeout=15m',
    ]); // prettier-ignore
    for (const f of calls.flatMap((c) => Object.keys(c.files))) expect(existsSync(f)).toBe(false);
  });

  it('stops at the first failing command', () => {
    const devSecrets = join(temp(), 'dev.json');
    const ran: string[] = [];
    const exec: Run = (command, args) => {
      ran.push(`${command} ${args.slice(0, 3).join(' ')}`);
      if (command === 'helm' && args[2] === 'metallb') throw new Error('helm failed');
    };
    expect(() => install('kind-e2e', ['172.18.0.0/16'], { exec, devSecrets })).toThrow(
      'helm failed',
    );
    expect(ran.at(-1)).toBe('helm upgrade --install metallb');
    const charts = platformChartsFor('minikube');
    expect(ran.filter((r) => r.startsWith('helm upgrade'))).toEqual(
      charts.slice(0, charts.indexOf('metallb') + 1).map((c) => `helm upgrade --install ${c}`),
    );
  });
});

describe('app, image, namespaces', () => {
  const temp = useTempDir('kind-app');

  it('applies dist/dev, then waits for the rollout and the certificate', () => {
    const { calls, exec } = recorder();
    app('kind-e2e', exec, '/x/dist/dev');
    expect(calls.map((c) => c.args.join(' '))).toEqual([
      '--context kind-e2e apply -f /x/dist/dev',
      '--context kind-e2e --namespace spring-api rollout status deployment/spring-api --timeout=10m',
      '--context kind-e2e --namespace spring-api wait certificates.cert-manager.io --all --for=condition=Ready --timeout=5m',
    ]);
  });

  it("reads the image dev's manifests run: what the job builds and loads", () => {
    const dev = profiles().dev;
    synthesize({ outdir: temp(), profiles: { dev }, chartVersion: '0.1.0' });
    expect(image(join(temp(), 'dev'))).toBe(`${dev.image.repository}:${dev.image.tag}`);
  });

  it("covers every namespace of the platform and the API's", () => {
    expect(namespaces()).toEqual(
      expect.arrayContaining([...Object.keys(PLATFORM_NAMESPACES), 'spring-api', 'kube-system']),
    );
  });
});
