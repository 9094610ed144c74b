// The platform layer: given a cluster (infra/cluster), installs the add-ons from the wrapper
// charts in /charts and configures them. Order, by dependsOn:
//   namespaces -> Prometheus operator CRDs -> (gcp) storage -> kube-prometheus-stack
//   -> MetalLB -> its pools -> ingress-nginx;  storage -> Vault -> its init step -> Vault's
//   configuration as resources (infra/platform/vault/index.ts);  Prometheus operator CRDs ->
//   cert-manager -> its webhook's readiness -> the ClusterIssuers (infra/platform/certificates.ts);
//   namespaces -> (gcp) the kubelet CSR approver -> metrics-server; namespaces -> Headlamp.
//   CRDs -> CloudNativePG -> the API's PostgreSQL (infra/platform/database/index.ts).
// Both targets run the same code; only the cluster's networking differs.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { ClusterTarget, EnvironmentName } from '../config/environments';
import { INGRESS_HEALTH_CHECK_NODE_PORT, PLATFORM_ENDPOINTS } from '../config/platform';
import { Cluster } from '../cluster/cluster';
import { CertificateConfig } from '../config/certificates';
import { platformCertificates } from './certificates';
import { PlatformChart, wrapperChart } from './charts';
import { headlamp } from './headlamp';
import { metricsServer } from './metrics-server';
import { platformDatabase } from './database';
import { CHART_NAMESPACES, PLATFORM_NAMESPACES } from './namespaces';
import { gcpStorage } from './storage';
import { vaultConfiguration } from './vault';
import { vaultInitSecret } from './vault/init-secret';
import { defaultInitFile } from './vault/init-store';
import { vaultKmsSeal } from './vault/kms';
import { VaultSettings } from './vault/settings';

export { CHART_NAMESPACES, PLATFORM_NAMESPACES } from './namespaces';

export interface PlatformArgs {
  readonly cluster: Cluster;
  /** The issuer apps' Certificates name (readCertificateConfig). @default a self-signed CA on minikube */
  readonly certificates?: CertificateConfig;
  /** The environment the stack runs: it sizes the API's database (charts/spring-api-database). */
  readonly environment: EnvironmentName;
  /** The database owner's password: the same Output written to Vault as spring.datasource.password. */
  readonly databasePassword: pulumi.Input<string>;
}

/** MetalLB's pools per target (charts/metallb-pools values). */
export function metallbPools(networking: Cluster['networking']) {
  return networking.kind === 'minikube'
    ? [{ name: 'default', addresses: [networking.metallbPool], l2: true }]
    : [
        { name: 'default', addresses: [networking.metallbPoolRange], l2: false },
        {
          // The reserved public address, given only to the Service that asks for it.
          name: 'ingress-public',
          addresses: [
            typeof networking.ingressAddress === 'string'
              ? `${networking.ingressAddress}/32`
              : pulumi.interpolate`${networking.ingressAddress}/32`,
          ],
          autoAssign: false,
          l2: false,
        },
      ];
}

/**
 * Chart path, target values file (relative to the project, stable across machines), namespace,
 * and a dependency update when the chart wraps an upstream one.
 */
function chartSource(name: PlatformChart, target: ClusterTarget) {
  const chart = wrapperChart(name);
  const values = chart.targetValues(target);
  return {
    chart: `charts/${name}`,
    namespace: CHART_NAMESPACES[name],
    ...(chart.dependencies.length > 0 ? { dependencyUpdate: true } : {}),
    valueYamlFiles: values
      ? [new pulumi.asset.FileAsset(`charts/${name}/values-${target}.yaml`)]
      : [],
  };
}

export class Platform extends pulumi.ComponentResource {
  /** The ingress controller's external address. */
  readonly ingressAddress: pulumi.Output<string>;
  /** Grafana's admin password (secret). */
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** How to reach Grafana and Vault from a workstation. */
  readonly grafanaCommand: string;
  readonly vaultCommand: string;
  /** Vault's configuration and provider, where apps add their policy, role and secret. */
  readonly vault: VaultSettings;
  /** How to log in to Headlamp: a read-only token, then the port-forward. */
  readonly headlampCommand: string;
  /** The bucket of the database's WAL archive and base backups (gcp). */
  readonly databaseBackupBucket?: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super('k8s-platform:platform:Platform', name, {}, opts);
    const { cluster } = args;
    const target: ClusterTarget = cluster.networking.kind;
    const k = { parent: this, provider: cluster.provider, dependsOn: [...cluster.ready] };

    const namespaces = Object.entries(PLATFORM_NAMESPACES).map(
      ([ns, level]) =>
        new k8s.core.v1.Namespace(
          ns,
          {
            metadata: {
              name: ns,
              labels: {
                'pod-security.kubernetes.io/enforce': level,
                'pod-security.kubernetes.io/enforce-version': 'v1.32',
                'app.kubernetes.io/part-of': 'k8s-platform',
              },
            },
          },
          k,
        ),
    );
    const after = (...deps: pulumi.Resource[]) => ({ ...k, dependsOn: [...k.dependsOn, ...deps] });
    const observability = PLATFORM_ENDPOINTS.prometheus.namespace;
    /** A Helm release (for charts that need hooks) of a wrapper chart, named after it. */
    const release = (
      name: PlatformChart,
      extra: Omit<k8s.helm.v3.ReleaseArgs, 'chart'>,
      opts: pulumi.CustomResourceOptions,
    ) => new k8s.helm.v3.Release(name, { name, ...chartSource(name, target), ...extra }, opts);

    // CRDs first, through helm.v4.Chart, so that every later chart's ServiceMonitors and
    // MetalLB's pools are known kinds even at preview time.
    const crds = new k8s.helm.v4.Chart(
      'prometheus-operator-crds',
      chartSource('prometheus-operator-crds', target),
      after(...namespaces),
    );

    const storage =
      cluster.networking.kind === 'gcp'
        ? gcpStorage(this, cluster.provider, after(), cluster.networking)
        : [];

    const grafanaPassword = new random.RandomPassword(
      'grafana-admin',
      { length: 32, special: false },
      { parent: this },
    );
    const grafanaSecret = new k8s.core.v1.Secret(
      'grafana-admin',
      {
        metadata: { name: 'grafana-admin', namespace: observability },
        type: 'Opaque',
        stringData: { 'admin-user': 'admin', 'admin-password': grafanaPassword.result },
      },
      after(...namespaces),
    );

    release(
      'kube-prometheus-stack',
      { skipCrds: true, atomic: true, timeout: 900 },
      after(crds, grafanaSecret, ...storage),
    );

    const metallb = new k8s.helm.v4.Chart(
      'metallb',
      chartSource('metallb', target),
      after(crds, ...namespaces),
    );
    const pools = metallbPools(cluster.networking);
    const poolsChart = new k8s.helm.v4.Chart(
      'metallb-pools',
      { ...chartSource('metallb-pools', target), values: { pools } },
      after(metallb),
    );

    const ingress = release(
      'ingress-nginx',
      {
        atomic: true,
        timeout: 600,
        values:
          cluster.networking.kind === 'gcp'
            ? {
                'ingress-nginx': {
                  controller: {
                    service: {
                      annotations: {
                        'metallb.io/loadBalancerIPs': cluster.networking.ingressAddress,
                      },
                      // Client addresses reach the controller; the load balancer's health
                      // check asks this port (see infra/cluster/gcp/load-balancing.ts).
                      externalTrafficPolicy: 'Local',
                      healthCheckNodePort: INGRESS_HEALTH_CHECK_NODE_PORT,
                    },
                  },
                },
              }
            : {},
      },
      after(poolsChart, crds),
    );
    const controllerService = k8s.core.v1.Service.get(
      'ingress-nginx-controller',
      pulumi.interpolate`${ingress.status.namespace}/ingress-nginx-controller`,
      { parent: this, provider: cluster.provider, dependsOn: [ingress] },
    );
    this.ingressAddress =
      cluster.networking.kind === 'gcp'
        ? pulumi.output(cluster.networking.ingressAddress)
        : controllerService.status.loadBalancer.ingress.apply((i) => i?.[0]?.ip ?? '');

    // cert-manager (with its CRDs), a wait for its webhook, then the ClusterIssuers.
    const certificates = platformCertificates(this, {
      cluster,
      config: args.certificates,
      source: (name) => chartSource(name, target),
      dependsOn: [crds, ...namespaces],
    });

    const vaultNamespace = PLATFORM_ENDPOINTS.vault.namespace;
    const seal =
      cluster.networking.kind === 'gcp'
        ? vaultKmsSeal(this, cluster.networking, cluster.provider, after(...namespaces))
        : undefined;
    const vault = release(
      'vault',
      {
        // Not atomic: uninitialized Vault pods are not Ready until the configuration step below
        // initializes them, which Helm's wait would take for a failure.
        skipAwait: true,
        timeout: 600,
        values: seal ? { vault: { server: { extraEnvironmentVars: seal.environment } } } : {},
      },
      after(...namespaces, ...storage, ...(seal ? [seal.credentials] : [])),
    );

    // Init material outside the cluster: Secret Manager (CMEK) on gcp, a 0600 file on minikube.
    const initSecret =
      seal && cluster.networking.kind === 'gcp'
        ? vaultInitSecret(this, cluster.networking, seal.cryptoKey)
        : undefined;
    const initStore = initSecret?.reference ?? `file:${defaultInitFile(pulumi.getStack())}`;
    this.vault = vaultConfiguration(this, {
      cluster,
      initStore,
      dependsOn: [vault, ...(initSecret ? [initSecret.secret] : [])],
      ...(cluster.networking.kind === 'gcp' ? { snapshots: cluster.networking } : {}),
    }).settings;

    const addon = { cluster, release, after, namespaces };
    // metrics-server's own serving certificate comes from cert-manager (its APIService verifies it).
    metricsServer(addon, certificates.webhookReady);
    this.headlampCommand = headlamp(addon).command;

    const database = platformDatabase(this, {
      cluster,
      environment: args.environment,
      password: args.databasePassword,
      after,
      namespaces,
      crds,
      storage,
    });
    this.databaseBackupBucket = database.backupBucket;

    this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);
    this.grafanaCommand = `kubectl --context ${cluster.context} -n ${observability} port-forward svc/kube-prometheus-stack-grafana 3000:80`;
    this.vaultCommand = `kubectl --context ${cluster.context} -n ${vaultNamespace} port-forward svc/vault 8200:8200 (no root token is kept: generate one from the init material, see infra/platform/vault/README.md)`;
    this.registerOutputs({
      ingressAddress: this.ingressAddress,
      grafanaAdminPassword: this.grafanaAdminPassword,
      databaseBackupBucket: this.databaseBackupBucket,
    });
  }
}
