// Certificates for the platform's Ingresses, in order: cert-manager (charts/cert-manager), a
// wait until its webhook admits cert-manager's resources, then the ClusterIssuers
// (charts/platform-issuers): on gcp Let's Encrypt through HTTP-01, on minikube a self-signed CA;
// either way the issuer apps name is TLS_CLUSTER_ISSUER.
//
// cert-manager goes through helm.v4.Chart with the chart's own CRDs (crds.enabled): they become
// Pulumi resources, so the provider knows cert-manager's kinds at preview time, for the issuers
// here and for an app's Certificate applied by the same program (deployApp). A helm.v3.Release
// would hide them (pulumi-kubernetes issues 3176, 3247). helm.v4.Chart skips Helm hooks, so the
// chart's startupapicheck hook does not run under Pulumi; cert-manager-ready.ts does its check.
import * as command from '@pulumi/command';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { CertificateConfig } from '../config/certificates';
import { INGRESS_CLASS, TLS_CLUSTER_ISSUER } from '../config/platform';
import { repoScript } from '../config/repo-command';
import { Cluster, kubeconfigEnvironment } from '../cluster/cluster';
import { chartVersion } from './chart-lock';
import { PlatformChart, wrapperChart } from './charts';

/** The namespace cert-manager runs in (Pod Security restricted: all its pods comply). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

export interface CertificatesArgs {
  readonly cluster: Cluster;
  /** The issuer behind TLS_CLUSTER_ISSUER. @default a self-signed CA on minikube; required on gcp */
  readonly config?: CertificateConfig;
  /** A wrapper chart's path, target values file and namespace, as the platform installs it. */
  readonly source: (chart: PlatformChart) => k8s.helm.v4.ChartArgs;
  /** What cert-manager needs first: its namespace and the Prometheus Operator's CRDs. */
  readonly dependsOn: readonly pulumi.Resource[];
}

/** The issuer config a target gets; refuses a gcp cluster without an ACME account. */
export function issuerConfig(cluster: Cluster, config?: CertificateConfig): CertificateConfig {
  const kind = cluster.networking.kind;
  const resolved = config ?? (kind === 'minikube' ? { issuer: 'self-signed-ca' } : undefined);
  if (resolved === undefined)
    throw new Error(
      "the platform on gcp needs its ACME issuer's settings (PlatformArgs.certificates, read by readCertificateConfig from k8s-platform:acmeEmail and acmeServer)",
    );
  if ((resolved.issuer === 'acme') !== (kind === 'gcp'))
    throw new Error(
      `issuer ${resolved.issuer} cannot serve a ${kind} cluster: Let's Encrypt (acme) needs the gcp target's public address, and the self-signed CA is minikube's`,
    );
  return resolved;
}

/** The values Pulumi gives charts/platform-issuers: the issuer, its name, the stack's ACME keys. */
export function issuerValues(config: CertificateConfig): Record<string, unknown> {
  const base = { issuer: config.issuer, name: TLS_CLUSTER_ISSUER };
  return config.issuer === 'acme'
    ? {
        ...base,
        acme: { email: config.email, server: config.server, ingressClassName: INGRESS_CLASS },
      }
    : base;
}

/** The environment of the wait: how to reach the API server (a secret kubeconfig on gcp). */
function waitEnvironment(cluster: Cluster): Record<string, pulumi.Input<string>> {
  return { KUBE_CONTEXT: cluster.context, WAIT_MINUTES: '10', ...kubeconfigEnvironment(cluster) };
}

/** cert-manager, its readiness wait and the issuers, children of `parent`. */
export function platformCertificates(parent: pulumi.Resource, args: CertificatesArgs) {
  const { cluster } = args;
  const config = issuerConfig(cluster, args.config);
  const k = { parent, provider: cluster.provider };
  const after = (...deps: pulumi.Resource[]) => ({
    ...k,
    dependsOn: [...cluster.ready, ...deps],
  });
  const certManager = new k8s.helm.v4.Chart(
    'cert-manager',
    args.source('cert-manager'),
    after(...args.dependsOn),
  );
  const run = repoScript('infra/platform/cert-manager-ready.ts');
  const chart = wrapperChart('cert-manager');
  const webhookReady = new command.local.Command(
    'cert-manager-ready',
    {
      create: run.command,
      dir: run.dir,
      environment: waitEnvironment(cluster),
      // Again after an upgrade of cert-manager, whose webhook restarts.
      triggers: [
        chartVersion(chart.path),
        ...chart.dependencies.map((d) => `${d.name}@${d.version}`),
      ],
    },
    { parent, dependsOn: [...cluster.ready, certManager] },
  );
  const issuers = new k8s.helm.v4.Chart(
    'platform-issuers',
    { ...args.source('platform-issuers'), values: issuerValues(config) },
    after(certManager, webhookReady),
  );
  return { certManager, webhookReady, issuers };
}
