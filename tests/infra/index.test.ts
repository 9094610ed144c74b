import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcpFakes } from '../support/gcp-fakes';
import { recordResources, Registered, settled, valueOf } from '../support/pulumi-mocks';

// The whole Pulumi program under mocks (no engine, no cloud), on the minikube target with a
// throwaway kubeconfig: configuration -> cluster -> platform -> (optionally) the API.

const gcp = gcpFakes();
afterAll(gcp.cleanup);
const registered: Registered[] = recordResources('k8s-platform', 'dev', gcp.fake);
const dir = mkdtempSync(join(tmpdir(), 'index-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: minikube, cluster: {server: "https://192.168.49.2:8443"}}]',
    'users: [{name: minikube, user: {token: "t"}}]',
    'contexts: [{name: minikube, context: {cluster: minikube, user: minikube}}, {name: kind-x, context: {cluster: minikube, user: minikube}}]',
    '',
  ].join('\n'),
);

type Program = typeof import('../../infra/index');

async function runProgram(config: Record<string, string>): Promise<Program> {
  registered.length = 0;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`k8s-platform:${k}`, v])),
  );
  process.env.KUBECONFIG = kubeconfig;
  let program: Program | undefined;
  jest.isolateModules(() => {
    program = require('../../infra/index') as Program; // eslint-disable-line @typescript-eslint/no-require-imports
  });
  if (!program) throw new Error('the program did not load');
  await valueOf(program.ingressAddress);
  await settled();
  return program;
}

function load(config: Record<string, string>): () => void {
  return () => {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, v]) => [`k8s-platform:${k}`, v])),
    );
    process.env.KUBECONFIG = kubeconfig;
    jest.isolateModules(() => {
      require('../../infra/index'); // eslint-disable-line @typescript-eslint/no-require-imports
    });
  };
}

describe('the Pulumi program', () => {
  it('stands up the platform on minikube for a staging profile, with generated Vault secrets', async () => {
    const program = await runProgram({ environment: 'staging', target: 'minikube' });
    expect(program.environment).toBe('staging');
    expect(program.target).toBe('minikube');
    const provider = registered.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs).toMatchObject({ kubeconfig, context: 'minikube' });
    const passwords = registered
      .filter((r) => r.type === 'random:index/randomPassword:RandomPassword')
      .map((r) => r.name)
      .sort();
    expect(passwords).toEqual([
      'grafana-admin',
      'spring-api-app.api-key',
      'spring-api-spring.datasource.password',
    ]);
    expect(await pulumi.isSecret(program.grafanaAdminPassword)).toBe(true);
    expect(program.headlamp).toMatch(
      /^kubectl --context minikube -n headlamp create token headlamp-viewer --duration=1h /,
    );
    // Without deployApp, the API is left to GitOps.
    expect(registered.some((r) => r.type.includes('ConfigGroup'))).toBe(false);
  });

  it("gives the database's owner the password Vault serves the API, from secret config or generated", async () => {
    const passwordOf = () => {
      const secret = registered.find((r) => r.name === 'spring-api-db-app');
      const kv = registered.find((r) => r.type === 'vault:kv/secretV2:SecretV2');
      const vault = JSON.parse(String(kv?.inputs.dataJson.value)) as Record<string, string>;
      return [secret?.inputs.stringData.value.password, vault['spring.datasource.password']];
    };
    await runProgram({ environment: 'staging', target: 'minikube' });
    expect(passwordOf()).toEqual([
      'generated-spring-api-spring.datasource.password',
      'generated-spring-api-spring.datasource.password',
    ]);
    await runProgram({ environment: 'prod', target: 'minikube', databasePassword: 'g1ven' });
    expect(passwordOf()).toEqual(['g1ven', 'g1ven']);
  });

  it('takes the API key from secret config and deploys the API when asked', async () => {
    await runProgram({ environment: 'prod', target: 'minikube', deployApp: 'true', apiKey: 'x' });
    const names = registered
      .filter((r) => r.type === 'random:index/randomPassword:RandomPassword')
      .map((r) => r.name);
    expect(names).not.toContain('spring-api-app.api-key');
    // The configured key reaches Vault's KV secret at the path the pod's annotations read.
    const secret = registered.find((r) => r.type === 'vault:kv/secretV2:SecretV2');
    expect(secret?.inputs).toMatchObject({ mount: 'secret', name: 'spring-api' });
    const data = secret?.inputs.dataJson as { value: string };
    expect(JSON.parse(data.value)).toMatchObject({ 'app.api-key': 'x' });
    const group = registered.find((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup');
    const kinds = (group?.inputs.objs as { kind: string }[]).map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'Deployment', 'ServiceMonitor']));
    expect(kinds).not.toContain('Secret');
  });

  it('refuses a missing kubeconfig context before registering anything', () => {
    registered.length = 0;
    expect(load({ environment: 'dev', kubeContext: 'minikube-2' })).toThrow(
      `k8s-platform.kubeContext = "minikube-2" is invalid: must be a context of ${kubeconfig} (found: "minikube", "kind-x"): start it first (minikube start -p minikube-2) or set k8s-platform:kubeContext`,
    );
    expect(registered).toEqual([]);
  });

  it('refuses a kubeconfig that does not exist', () => {
    const missing = join(dir, 'nowhere');
    const run = () => {
      pulumi.runtime.setAllConfig({ 'k8s-platform:environment': 'dev' });
      process.env.KUBECONFIG = missing;
      jest.isolateModules(() => {
        require('../../infra/index'); // eslint-disable-line @typescript-eslint/no-require-imports
      });
    };
    expect(run).toThrow(
      `k8s-platform.kubeContext = "minikube" is invalid: must be a context of the kubeconfig, but ${missing} does not exist: start it first (minikube start -p minikube) or set k8s-platform:kubeContext`,
    );
  });

  it('stands up the gcp cluster, then the platform on it, for prod', async () => {
    const program = await runProgram({
      environment: 'prod',
      gcpProject: 'acme-platform-1',
      adminCidrs: '203.0.113.7/32',
      acmeEmail: 'platform@acme-platform.dev',
    });
    expect(program.target).toBe('gcp');
    expect(registered.filter((r) => r.type === 'gcp:compute/instance:Instance')).toHaveLength(4);
    const pools = registered.find(
      (r) => r.name === 'metallb-pools' && r.type === 'kubernetes:helm.sh/v4:Chart',
    );
    expect(
      (pools?.inputs.values as { pools: { addresses: string[] }[] }).pools.map((p) => p.addresses),
    ).toEqual([['10.20.0.0/24'], ['34.1.2.20/32']]);
    expect(await pulumi.isSecret(program.kubeconfig as pulumi.Output<string>)).toBe(true);
    expect(program.metallbPoolRange).toBe('10.20.0.0/24');
    expect(await valueOf(program.ingressAddress)).toBe('34.1.2.20');
  });

  it('refuses incomplete gcp configuration before registering anything', () => {
    registered.length = 0;
    expect(load({ environment: 'prod', workerCount: '0' })).toThrow(
      [
        'k8s-platform.gcpProject = undefined is invalid: must be a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
        "k8s-platform.workerCount = 0 is invalid: must be an integer from 3 to 20 (the platform needs 3 workers: Vault's 3 raft servers each on their own worker, ingress-nginx's 2 replicas spread with DoNotSchedule)",
        'k8s-platform.adminCidrs = undefined is invalid: must be a comma-separated list of CIDRs that may reach the API server, such as "203.0.113.7/32" (your address: curl -4 ifconfig.me)',
        // The certificate keys in the same pass (infra/config/certificates.ts).
        'k8s-platform.acmeEmail = undefined is invalid: must be the e-mail address of the Let\'s Encrypt account, such as "platform@your-company.com" (pulumi config set acmeEmail <address>); Let\'s Encrypt refuses example.com, example.net, example.org and the reserved .test, .example, .invalid and .localhost domains',
      ].join('\n'),
    );
    expect(registered).toEqual([]);
  });

  it('refuses workers the platform would fill beyond a third, before registering anything', () => {
    registered.length = 0;
    expect(
      load({
        environment: 'prod',
        gcpProject: 'acme-platform-1',
        adminCidrs: '203.0.113.7/32',
        acmeEmail: 'platform@acme-platform.dev',
        workerMachineType: 'e2-standard-2',
      }),
    ).toThrow(
      'k8s-platform.workerMachineType = "e2-standard-2" is invalid: must be a shape with room for applications: on 3 workers the platform would request 2880m CPU / 4928Mi of the workers\' 5400m / 21204Mi allocatable (53.3 % CPU, 23.2 % memory), more than one third',
    );
    expect(registered).toEqual([]);
  });

  it('refuses a misspelt key before judging any value or registering anything', () => {
    registered.length = 0;
    // Without the check, workersCount is ignored and the default of 3 workers is used.
    expect(
      load({
        environment: 'prod',
        gcpProject: 'acme-platform-1',
        adminCidrs: '203.0.113.7/32',
        workersCount: '5',
      }),
    ).toThrow(
      'k8s-platform.workersCount is invalid: must be a key that Pulumi.yaml declares: did you mean "workerCount"?',
    );
    expect(registered).toEqual([]);
  });

  it('refuses bad configuration before registering anything', () => {
    registered.length = 0;
    expect(load({ environment: 'dev', target: 'aws', metallbPool: '10.0.0.1-10.0.0.9' })).toThrow(
      [
        'k8s-platform.target = "aws" is invalid: must be one of "minikube", "gcp"',
        'k8s-platform.metallbPool = "10.0.0.1-10.0.0.9" is invalid: must be a range inside minikubeNetwork 192.168.49.0/24, excluding its first and last address',
      ].join('\n'),
    );
    expect(registered).toEqual([]);
  });
});
