import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../infra/cluster/cluster';
import { GOOGLE_APIS, GoogleApi } from '../../infra/cluster/gcp/apis';
import { INGRESS_HEALTH_CHECK_NODE_PORT } from '../../infra/config/platform';
import { Platform, PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import {
  dependencyRecorder,
  FAKE_PULUMI_VAULT_TOKEN,
  outsideTree,
  recordResources,
  Registered,
  registeredOutputs,
  settled,
  unregisteredOutputs,
  valueOf,
} from '../support/pulumi-mocks';

// The platform layer under Pulumi mocks, for both targets, with stand-in clusters: which
// releases and charts it installs, with which values, in which order, and what stays secret.

/**
 * The address MetalLB gives the ingress controller's Service on minikube: a pool member other
 * than the first, found only in that Service's status (no other Service has one).
 */
const ASSIGNED = '192.168.49.217';
const registered: Registered[] = recordResources('k8s-platform', 'test', (args) =>
  args.type === 'kubernetes:core/v1:Service' && args.id === 'ingress-nginx/ingress-nginx-controller'
    ? { ...args.inputs, status: { loadBalancer: { ingress: [{ ip: ASSIGNED }] } } }
    : undefined,
);
const outputs = registeredOutputs();

/** What the test itself makes for the platform: the stand-in cluster's provider. */
const standInResource = (r: Registered): boolean =>
  r.name.startsWith('stand-in-') ||
  r.name === 'cluster-ready' ||
  r.type === 'test:index:ApiEnablement';

/** A kubeconfig the program's Vault tunnel can read (it never connects in these tests). */
function kubeconfigText(context: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: "t"}}]',
    `contexts: [{name: ${context}, context: {cluster: c, user: u}}]`,
    '',
  ].join('\n');
}
const dir = mkdtempSync(join(tmpdir(), 'platform-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfigPath = join(dir, 'config');
writeFileSync(kubeconfigPath, kubeconfigText('minikube'));

/** How the engine marks a secret value among a resource's inputs. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** What a cluster layer hands over as "ready" (on gcp, its readiness check). */
const clusterReady = new k8s.core.v1.ConfigMap('cluster-ready', {});

function standIn(networking: Cluster['networking']): Cluster {
  return {
    provider: new k8s.Provider(`stand-in-${networking.kind}`, { kubeconfig: 'stand-in' }),
    kubeconfig:
      networking.kind === 'gcp'
        ? { content: pulumi.secret(kubeconfigText('k8s-platform')) }
        : { path: kubeconfigPath },
    context: networking.kind === 'gcp' ? 'k8s-platform' : 'minikube',
    networking,
    ready: [clusterReady],
  };
}

async function build(networking: Cluster['networking']) {
  registered.length = 0;
  const recorder = dependencyRecorder(
    new Map<pulumi.Resource, string>([
      [clusterReady, 'cluster-ready'],
      ...Object.entries(API_STAND_INS).map(
        ([k, r]) => [r, `api-${k}`] as [pulumi.Resource, string],
      ),
    ]),
  );
  const platform = new Platform(
    'platform',
    {
      cluster: standIn(networking),
      ...(networking.kind === 'gcp' ? { certificates: ACME } : {}),
      environment: networking.kind === 'gcp' ? 'prod' : 'dev',
      databasePassword: pulumi.secret('d4tabase'),
    },
    { transformations: [recorder.transformation] },
  );
  await valueOf(platform.ingressAddress);
  await settled();
  /** The resource of that name, of a type whose token contains `type` when given. */
  const byName = (name: string, type = ''): Registered => {
    const found = registered.find((r) => r.name === name && r.type.includes(type));
    if (!found)
      throw new Error(`no resource ${name}; have ${registered.map((r) => r.name).join(', ')}`);
    return found;
  };
  return { platform, recorder, byName };
}

/** The gcp stack's ACME issuer (stack config acmeEmail, acmeServer). */
const ACME = { issuer: 'acme', email: 'platform@acme-platform.dev', server: 'staging' } as const;

const MINIKUBE: Cluster['networking'] = {
  kind: 'minikube',
  metallbPool: '192.168.49.200-192.168.49.250',
};
/** Stand-ins for the cluster layer's API enablements, named `api-<key>`. */
const API_STAND_INS = Object.fromEntries(
  (Object.keys(GOOGLE_APIS) as GoogleApi[]).map((key) => [
    key,
    new pulumi.ComponentResource('test:index:ApiEnablement', `api-${key}`),
  ]),
) as unknown as Record<GoogleApi, pulumi.Resource>;
const GCP: Cluster['networking'] = {
  kind: 'gcp',
  clusterName: 'k8s-platform',
  workerServiceAccountEmail: 'k8s-platform-worker@test-project.iam.gserviceaccount.com',
  project: 'test-project',
  region: 'europe-west1',
  metallbPoolRange: '10.40.0.0/24',
  ingressAddress: '34.1.2.3',
  apis: API_STAND_INS,
  kubeletServing: {
    nodeNameRegex: '^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$',
    nodeSubnet: '10.10.0.0/24',
  },
};

describe('the platform layer on minikube', () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build(MINIKUBE);
  });

  it('is one component: every resource it registers is its child, its outputs registered', () => {
    expect(registered.length).toBeGreaterThan(10);
    expect(outsideTree(registered, built.recorder, standInResource)).toEqual([]);
    expect(unregisteredOutputs(built.platform, outputs)).toEqual([]);
  });

  it('installs every add-on from its wrapper chart, with the target values file', async () => {
    const expected = {
      'prometheus-operator-crds': ['kubernetes:helm.sh/v4:Chart', 'observability'],
      'kube-prometheus-stack': ['kubernetes:helm.sh/v3:Release', 'observability'],
      metallb: ['kubernetes:helm.sh/v4:Chart', 'metallb-system'],
      'metallb-pools': ['kubernetes:helm.sh/v4:Chart', 'metallb-system'],
      'ingress-nginx': ['kubernetes:helm.sh/v3:Release', 'ingress-nginx'],
      vault: ['kubernetes:helm.sh/v3:Release', 'vault'],
      'metrics-server': ['kubernetes:helm.sh/v3:Release', 'metrics-server'],
      headlamp: ['kubernetes:helm.sh/v3:Release', 'headlamp'],
      'cert-manager': ['kubernetes:helm.sh/v4:Chart', 'cert-manager'],
      'platform-issuers': ['kubernetes:helm.sh/v4:Chart', 'cert-manager'],
      'cloudnative-pg': ['kubernetes:helm.sh/v4:Chart', 'cnpg-system'],
      'spring-api-database': ['kubernetes:helm.sh/v4:Chart', 'databases'],
    };
    for (const [name, [type, namespace]] of Object.entries(expected)) {
      const r = built.byName(name, 'helm.sh');
      expect({ name, type: r.type, chart: r.inputs.chart, namespace: r.inputs.namespace }).toEqual({
        name,
        type,
        chart: `charts/${name}`,
        namespace,
      });
    }
    const files = (name: string): Promise<string[]> =>
      Promise.all(
        (
          (built.byName(name, 'helm.sh').inputs.valueYamlFiles ?? []) as pulumi.asset.FileAsset[]
        ).map((f) => f.path),
      );
    expect(await files('vault')).toEqual(['charts/vault/values-minikube.yaml']);
    expect(await files('kube-prometheus-stack')).toEqual([
      'charts/kube-prometheus-stack/values-minikube.yaml',
    ]);
    expect(await files('metallb-pools')).toEqual([]);
  });

  it('creates nothing in the cluster before the cluster layer says it is ready', () => {
    const inCluster = registered.filter(
      (r) =>
        r.type.startsWith('kubernetes:') &&
        r.name !== 'cluster-ready' &&
        !r.type.endsWith(':Service'),
    );
    expect(inCluster.length).toBeGreaterThan(10);
    for (const r of inCluster) {
      expect([r.name, built.recorder.dependsOn.get(r.name)]).toEqual([
        r.name,
        expect.arrayContaining(['cluster-ready']),
      ]);
    }
  });

  it('labels each namespace with the Pod Security level its pods need', () => {
    for (const [ns, level] of Object.entries(PLATFORM_NAMESPACES)) {
      const labels = built.byName(ns, 'Namespace').inputs.metadata.labels as Record<string, string>;
      expect([ns, labels['pod-security.kubernetes.io/enforce']]).toEqual([ns, level]);
    }
    expect(registered.filter((r) => r.type === 'kubernetes:core/v1:Namespace')).toHaveLength(
      Object.keys(PLATFORM_NAMESPACES).length,
    );
    expect(PLATFORM_NAMESPACES).toMatchObject({
      'metrics-server': 'restricted',
      headlamp: 'restricted',
    });
    expect(PLATFORM_NAMESPACES).toMatchObject({
      'cnpg-system': 'restricted',
      databases: 'restricted',
    });
  });

  it('orders CRDs before their users, MetalLB before its pools, Vault before its configuration', () => {
    const deps = built.recorder.dependsOn;
    expect(deps.get('kube-prometheus-stack')).toEqual(
      expect.arrayContaining(['prometheus-operator-crds', 'grafana-admin']),
    );
    expect(deps.get('metallb')).toContain('prometheus-operator-crds');
    expect(deps.get('metallb-pools')).toEqual(['cluster-ready', 'metallb']);
    expect(deps.get('ingress-nginx')).toEqual([
      'cluster-ready',
      'metallb-pools',
      'prometheus-operator-crds',
    ]);
    expect(deps.get('vault-pulumi-login')).toEqual(['vault', 'cluster-ready']);
    expect(deps.get('vault-token')).toEqual(['vault', 'vault-pulumi-login', 'cluster-ready']);
    expect(deps.get('prometheus-operator-crds')).toEqual(
      expect.arrayContaining(Object.keys(PLATFORM_NAMESPACES)),
    );
  });

  it('installs cert-manager after the CRDs, waits for its webhook, then the self-signed CA', async () => {
    const deps = built.recorder.dependsOn;
    expect(deps.get('cert-manager')).toEqual([
      'cluster-ready',
      'prometheus-operator-crds',
      ...Object.keys(PLATFORM_NAMESPACES),
    ]);
    expect(deps.get('cert-manager-ready')).toEqual(['cluster-ready', 'cert-manager']);
    expect(deps.get('platform-issuers')).toEqual([
      'cluster-ready',
      'cert-manager',
      'cert-manager-ready',
    ]);
    const wait = built.byName('cert-manager-ready').inputs;
    expect(wait.create).toMatch(
      /--require ts-node\/register\/transpile-only infra\/platform\/cert-manager-ready\.ts$/,
    );
    expect(wait.environment).toEqual({
      KUBECONFIG: kubeconfigPath,
      KUBE_CONTEXT: 'minikube',
      WAIT_MINUTES: '10',
    });
    expect(wait.triggers).toEqual(['0.1.0', 'cert-manager@v1.21.2']);
    const issuers = built.byName('platform-issuers', 'helm.sh').inputs;
    expect(issuers.values).toEqual({ issuer: 'self-signed-ca', name: 'platform-tls' });
    const files = (issuers.valueYamlFiles ?? []) as pulumi.asset.FileAsset[];
    expect(await Promise.all(files.map((f) => f.path))).toEqual([
      'charts/platform-issuers/values-minikube.yaml',
    ]);
  });

  it('gives MetalLB the configured pool with an L2 advertisement', () => {
    expect(built.byName('metallb-pools').inputs.values).toEqual({
      pools: [{ name: 'default', addresses: ['192.168.49.200-192.168.49.250'], l2: true }],
    });
  });

  it('keeps the Grafana password and the Vault inputs secret', async () => {
    expect(await pulumi.isSecret(built.platform.grafanaAdminPassword)).toBe(true);
    const secret = built.byName('grafana-admin', 'Secret');
    // The engine receives it wrapped as a secret (Pulumi's secret signature).
    expect(secret.inputs.stringData).toEqual({
      [SECRET_SIG]: '1b47061264138c4ac30d75fd1eb44270',
      value: { 'admin-user': 'admin', 'admin-password': 'generated-grafana-admin' },
    });
    const props = built.recorder.props.get('vault-token') as {
      environment: Record<string, pulumi.Output<string> | string>;
    };
    expect(
      await pulumi.isSecret(props.environment.VAULT_TOKEN_SEAL_KEY as pulumi.Output<string>),
    ).toBe(true);
    const command = built.byName('vault-token').inputs;
    // The whole environment is secret because part of it is.
    expect(command.environment[SECRET_SIG]).toBeDefined();
    const environment = command.environment.value as Record<string, string>;
    expect(command.create).toMatch(
      /--require ts-node\/register\/transpile-only infra\/platform\/vault\/cli\.ts token$/,
    );
    expect(environment.KUBECONFIG).toBe(kubeconfigPath);
    expect(environment.KUBE_CONTEXT).toBe('minikube');
    // Init material in a 0600 file outside the repo, never in a Kubernetes Secret.
    expect(environment.VAULT_INIT_STORE).toBe(
      `file:${join(homedir(), '.config', 'k8s-platform', 'test', 'vault-init.json')}`,
    );
    expect(
      registered
        .filter((r) => r.type === 'kubernetes:core/v1:Secret')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['grafana-admin', 'spring-api-db-app']);
    // No secret value in the step's environment: it gets the keys from the store, not from Pulumi.
    expect(JSON.stringify(environment)).not.toContain('k3y');
    // The identity it logs in to Vault as, for the Pulumi token.
    expect(built.byName('vault-pulumi-login', 'ServiceAccount').inputs).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'k8s-platform-pulumi', namespace: 'vault' },
      automountServiceAccountToken: false,
    });
  });

  it("hands the Vault provider the tunnel address and the step's token, as a secret", () => {
    const provider = built.byName('vault-api', 'pulumi:providers:vault').inputs;
    expect(provider.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(provider.token).toEqual({
      [SECRET_SIG]: '1b47061264138c4ac30d75fd1eb44270',
      value: FAKE_PULUMI_VAULT_TOKEN,
    });
    expect(provider.skipChildToken).toBe('true');
  });

  it('creates no Google Cloud resource and no StorageClass', () => {
    expect(registered.filter((r) => r.type.startsWith('gcp:'))).toEqual([]);
    expect(registered.some((r) => r.type === 'kubernetes:storage.k8s.io/v1:StorageClass')).toBe(
      false,
    );
  });

  it('reports the address MetalLB assigned to the controller Service, and how to reach Grafana', async () => {
    // Read from the cluster: the controller's Service, in the namespace the release reports.
    const reads = registered.filter((r) => r.type === 'kubernetes:core/v1:Service' && r.id !== '');
    expect(reads.map((r) => r.id)).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(await valueOf(built.platform.ingressAddress)).toBe(ASSIGNED);
    expect(built.platform.grafanaCommand).toBe(
      'kubectl --context minikube -n observability port-forward svc/kube-prometheus-stack-grafana 3000:80',
    );
  });

  it('installs metrics-server and Headlamp after the namespaces, and no kubelet CSR approver', async () => {
    const release = 'kubernetes:helm.sh/v3:Release';
    expect(registered.some((r) => r.name === 'kubelet-csr-approver')).toBe(false);
    const namespaces = Object.keys(PLATFORM_NAMESPACES);
    expect(built.recorder.typedDependsOn.get(`${release} headlamp`)).toEqual([
      'cluster-ready',
      ...namespaces,
    ]);
    // metrics-server's serving certificate is cert-manager's to issue.
    expect(built.recorder.typedDependsOn.get(`${release} metrics-server`)).toEqual([
      'cluster-ready',
      ...namespaces,
      'cert-manager-ready',
    ]);
    const files = async (name: string) =>
      Promise.all(
        (
          (built.byName(name, 'Release').inputs.valueYamlFiles ?? []) as pulumi.asset.FileAsset[]
        ).map((f) => f.path),
      );
    // minikube's kubelets sign their own serving certificates: this file skips verifying them.
    expect(await files('metrics-server')).toEqual(['charts/metrics-server/values-minikube.yaml']);
    expect(await files('headlamp')).toEqual([]);
    expect(built.byName('metrics-server', 'Release').inputs).toMatchObject({
      atomic: true,
      dependencyUpdate: true,
    });
  });

  it('reports how to log in to Headlamp: a read-only token, then a port-forward', () => {
    expect(built.platform.headlampCommand).toBe(
      'kubectl --context minikube -n headlamp create token headlamp-viewer --duration=1h (the read-only login token), then kubectl --context minikube -n headlamp port-forward svc/headlamp 4466:80 and open http://127.0.0.1:4466',
    );
  });
});

describe('the platform layer on gcp', () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build(GCP);
  });

  it('is one component: every resource it registers is its child, its outputs registered', () => {
    expect(registered.length).toBeGreaterThan(10);
    expect(outsideTree(registered, built.recorder, standInResource)).toEqual([]);
    expect(unregisteredOutputs(built.platform, outputs)).toEqual([]);
  });

  it('gives MetalLB the routed range and the reserved address as a pool of its own', () => {
    expect(built.byName('metallb-pools').inputs.values).toEqual({
      pools: [
        { name: 'default', addresses: ['10.40.0.0/24'], l2: false },
        { name: 'ingress-public', addresses: ['34.1.2.3/32'], autoAssign: false, l2: false },
      ],
    });
    expect(built.byName('ingress-nginx', 'Release').inputs.values).toEqual({
      'ingress-nginx': {
        controller: {
          service: {
            annotations: { 'metallb.io/loadBalancerIPs': '34.1.2.3' },
            // Client addresses kept; the gcp load balancer's health check asks this port.
            externalTrafficPolicy: 'Local',
            healthCheckNodePort: INGRESS_HEALTH_CHECK_NODE_PORT,
          },
        },
      },
    });
  });

  it("installs the kubelet CSR approver for the cluster's node names and subnet, then metrics-server", async () => {
    const release = 'kubernetes:helm.sh/v3:Release';
    const approver = built.byName('kubelet-csr-approver', 'Release').inputs;
    expect(approver).toMatchObject({
      chart: 'charts/kubelet-csr-approver',
      namespace: 'metrics-server',
      values: {
        'kubelet-csr-approver': {
          providerRegex: '^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$',
          providerIpPrefixes: ['10.10.0.0/24'],
        },
      },
    });
    expect(built.recorder.typedDependsOn.get(`${release} kubelet-csr-approver`)).toEqual([
      'cluster-ready',
      ...Object.keys(PLATFORM_NAMESPACES),
    ]);
    expect(built.recorder.typedDependsOn.get(`${release} metrics-server`)).toContain(
      'kubelet-csr-approver',
    );
    const metrics = built.byName('metrics-server', 'Release').inputs;
    expect(
      await Promise.all((metrics.valueYamlFiles as pulumi.asset.FileAsset[]).map((f) => f.path)),
    ).toEqual(['charts/metrics-server/values-gcp.yaml']);
    expect(built.platform.headlampCommand).toContain(
      'kubectl --context k8s-platform -n headlamp create token headlamp-viewer',
    );
  });

  it('creates a protected KMS key usable only by a dedicated service account and Secret Manager', () => {
    const key = built.byName('vault-unseal');
    expect(key.type).toBe('gcp:kms/cryptoKey:CryptoKey');
    expect(key.inputs).toMatchObject({ purpose: 'ENCRYPT_DECRYPT', rotationPeriod: '7776000s' });
    expect(built.recorder.opts.get('vault-unseal')?.protect).toBe(true);
    const grants = registered.filter(
      (r) => r.type.startsWith('gcp:kms/') && r.type.includes('IAM'),
    );
    expect(grants.map((g) => [g.type, g.inputs.role, g.inputs.member])).toEqual([
      [
        'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
        'roles/cloudkms.cryptoKeyEncrypterDecrypter',
        'serviceAccount:vault-kms-test@test-project.iam.gserviceaccount.com',
      ],
      [
        'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
        'roles/cloudkms.viewer',
        'serviceAccount:vault-kms-test@test-project.iam.gserviceaccount.com',
      ],
      [
        // Secret Manager's service agent, to encrypt the init material (CMEK).
        'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember',
        'roles/cloudkms.cryptoKeyEncrypterDecrypter',
        'serviceAccount:service-123456@gcp-sa-secretmanager.iam.gserviceaccount.com',
      ],
    ]);
    expect(grants.map((g) => g.inputs.cryptoKeyId)).toEqual([
      'vault-unseal-id',
      'vault-unseal-id',
      'vault-unseal-id',
    ]);
  });

  it('creates its Google resources only once their APIs are enabled', () => {
    const deps = (type: string, name: string) =>
      built.recorder.typedDependsOn.get(`${type} ${name}`) ?? [`no ${type} ${name}`];
    expect(deps('gcp:kms/keyRing:KeyRing', 'vault')).toEqual(['api-kms']);
    expect(deps('gcp:kms/cryptoKey:CryptoKey', 'vault-unseal')).toEqual(['api-kms']);
    expect(deps('gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember', 'vault-kms-viewer')).toEqual([
      'api-kms',
    ]);
    expect(deps('gcp:serviceaccount/account:Account', 'vault-kms')).toEqual(['api-iam']);
    expect(deps('gcp:serviceaccount/key:Key', 'vault-kms')).toEqual(['api-iam']);
  });

  it('grants the PD CSI driver its documented roles on the workers’ account, once IAM is on', () => {
    const pd = registered.filter(
      (r) =>
        /IAM(Member|CustomRole)/.test(r.type) &&
        !r.type.startsWith('gcp:kms/') &&
        !r.type.startsWith('gcp:storage/'),
    );
    expect(pd.map((r) => [r.type, r.inputs.role ?? r.inputs.roleId, r.inputs.member])).toEqual([
      ['gcp:projects/iAMMember:IAMMember', 'roles/compute.storageAdmin', 'serviceAccount:k8s-platform-worker@test-project.iam.gserviceaccount.com'],
      ['gcp:projects/iAMCustomRole:IAMCustomRole', 'k8s_platform_pd_csi_driver', undefined],
      ['gcp:serviceaccount/iAMMember:IAMMember', 'roles/iam.serviceAccountUser', 'serviceAccount:k8s-platform-worker@test-project.iam.gserviceaccount.com'],
      ['gcp:projects/iAMMember:IAMMember', undefined, 'serviceAccount:k8s-platform-worker@test-project.iam.gserviceaccount.com'],
    ]); // prettier-ignore
    for (const r of pd)
      expect(built.recorder.typedDependsOn.get(`${r.type} ${r.name}`)).toEqual(
        expect.arrayContaining(['api-resourceManager', 'api-iam']),
      );
  });

  it('points the Vault seal at the key and mounts the key file from a Secret', async () => {
    expect(built.byName('vault', 'Release').inputs.values).toEqual({
      vault: {
        server: {
          extraEnvironmentVars: {
            GOOGLE_PROJECT: 'test-project',
            GOOGLE_REGION: 'europe-west1',
            VAULT_GCPCKMS_SEAL_KEY_RING: 'vault-test',
            VAULT_GCPCKMS_SEAL_CRYPTO_KEY: 'vault-unseal',
          },
        },
      },
    });
    expect(
      await (built.byName('vault', 'Release').inputs.valueYamlFiles as pulumi.asset.FileAsset[])[0]
        ?.path,
    ).toBe('charts/vault/values-gcp.yaml');
    expect(built.recorder.dependsOn.get('vault')).toContain('vault-kms');
    const props = built.recorder.props.get('vault-kms') as {
      data: Record<string, pulumi.Output<string>>;
    };
    expect(await pulumi.isSecret(props.data['credentials.json'])).toBe(true);
  });

  it('installs the PD CSI driver and a default StorageClass that keeps data', () => {
    expect(built.byName('gce-pd-csi-driver', 'Directory').inputs.directory).toBe(
      'infra/platform/storage/gce-pd',
    );
    expect(built.byName('pd-balanced').inputs).toMatchObject({
      provisioner: 'pd.csi.storage.gke.io',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    });
    expect(built.recorder.dependsOn.get('kube-prometheus-stack')).toEqual(
      expect.arrayContaining(['gce-pd-csi-driver', 'pd-balanced']),
    );
    expect(built.recorder.dependsOn.get('vault')).toEqual(
      expect.arrayContaining(['gce-pd-csi-driver', 'pd-balanced']),
    );
  });

  it('hands the kubeconfig to the Vault init step as a secret and reports the reserved address', async () => {
    const props = built.recorder.props.get('vault-token') as {
      environment: Record<string, pulumi.Output<string>>;
    };
    expect(await pulumi.isSecret(props.environment.KUBECONFIG_CONTENT)).toBe(true);
    expect(await valueOf(built.platform.ingressAddress)).toBe('34.1.2.3');
  });

  it("gives the issuers the stack's ACME account and server, and its wait a secret kubeconfig", async () => {
    expect(built.byName('platform-issuers', 'helm.sh').inputs.values).toEqual({
      issuer: 'acme',
      name: 'platform-tls',
      acme: { email: 'platform@acme-platform.dev', server: 'staging', ingressClassName: 'nginx' },
    });
    const props = built.recorder.props.get('cert-manager-ready') as {
      environment: Record<string, pulumi.Output<string> | string>;
    };
    expect(
      await pulumi.isSecret(props.environment.KUBECONFIG_CONTENT as pulumi.Output<string>),
    ).toBe(true);
    expect(props.environment.KUBE_CONTEXT).toBe('k8s-platform');
  });

  it('keeps the init material in a Secret Manager secret encrypted with the Vault KMS key', async () => {
    const secret = built.byName('vault-init', 'secretmanager');
    expect(secret.inputs).toMatchObject({
      secretId: 'vault-init-test',
      project: 'test-project',
      replication: {
        userManaged: {
          replicas: [
            {
              location: 'europe-west1',
              customerManagedEncryption: { kmsKeyName: 'vault-unseal-id' },
            },
          ],
        },
      },
    });
    expect(built.recorder.opts.get('vault-init')?.protect).toBe(true);
    expect(built.byName('vault-init-cmek').inputs).toMatchObject({
      cryptoKeyId: 'vault-unseal-id',
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    });
    expect(built.recorder.typedDependsOn.get('gcp:secretmanager/secret:Secret vault-init')).toEqual(
      expect.arrayContaining(['api-secretManager', 'vault-init-cmek']),
    );
    const props = built.recorder.props.get('vault-token') as {
      environment: Record<string, pulumi.Input<string>>;
    };
    expect(await valueOf(pulumi.output(props.environment.VAULT_INIT_STORE))).toBe(
      'gcp-secret:test-project/vault-init-test',
    );
    expect(built.recorder.dependsOn.get('vault-token')).toEqual(
      expect.arrayContaining(['vault', 'vault-init', 'cluster-ready']),
    );
  });

  it('takes raft snapshots on a schedule to a protected bucket the job may only add to', async () => {
    const bucket = built.byName('vault-snapshots', 'storage/bucket');
    expect(bucket.inputs).toMatchObject({
      location: 'europe-west1',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
      lifecycleRules: [{ action: { type: 'Delete' }, condition: { age: 30 } }],
    });
    expect(built.recorder.opts.get('vault-snapshots')?.protect).toBe(true);
    const grants = registered.filter(
      (r) =>
        r.type === 'gcp:storage/bucketIAMMember:BucketIAMMember' &&
        r.name.startsWith('vault-snapshots'), // the database's bucket has grants of its own
    );
    expect(grants.map((g) => [g.inputs.role, g.inputs.member])).toEqual([
      [
        'roles/storage.objectCreator',
        'serviceAccount:vault-snap-test@test-project.iam.gserviceaccount.com',
      ],
    ]);
    const props = built.recorder.props.get('vault-snapshots-gcs') as {
      data: Record<string, pulumi.Output<string>>;
    };
    expect(await pulumi.isSecret(props.data['credentials.json'])).toBe(true);
    expect(built.byName('vault-snapshot-policy').inputs).toEqual({
      name: 'raft-snapshot',
      policy: 'path "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n',
    });
    expect(built.byName('vault-snapshot-role').inputs).toMatchObject({
      roleName: 'raft-snapshot',
      boundServiceAccountNames: ['vault-snapshot'],
      boundServiceAccountNamespaces: ['vault'],
      audience: 'vault',
      tokenPolicies: ['raft-snapshot'],
    });
    expect(built.recorder.dependsOn.get('vault-snapshot-role')).toEqual(['vault-config']);
    const job = built.byName('vault-snapshot', 'CronJob').inputs;
    expect(job.spec).toMatchObject({ schedule: '17 */6 * * *', concurrencyPolicy: 'Forbid' });
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('vault-snapshot');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.initContainers[0].image).toBe('hashicorp/vault:2.0.4');
    expect(pod.initContainers[0].command[2]).toContain(
      'vault operator raft snapshot save /snapshots/vault.snap',
    );
    expect(built.recorder.dependsOn.get('vault-snapshot')).toEqual(
      expect.arrayContaining(['vault', 'vault-snapshots-gcs', 'vault-snapshot-role']),
    );
  });
});
