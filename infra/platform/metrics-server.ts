// The Metrics API (metrics.k8s.io) the API's HorizontalPodAutoscalers and `kubectl top` read:
// metrics-server on both targets, and on gcp first the approver of the kubelets' serving
// certificates, which metrics-server verifies there (charts/metrics-server, values-<target>.yaml).
// Its own serving certificate is a cert-manager Certificate, which the APIService's CA bundle
// (injected by cert-manager) verifies: the release waits for cert-manager's webhook.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Cluster, GcpNetworking } from '../cluster/cluster';
import { PlatformChart } from './charts';

/** The namespace of metrics-server and (gcp) the kubelet CSR approver. */
export const METRICS_NAMESPACE = 'metrics-server';

/** How the platform installs a wrapper chart as a Helm release named after it (platform.ts). */
export type ReleaseOf = (
  name: PlatformChart,
  extra: Omit<k8s.helm.v3.ReleaseArgs, 'chart'>,
  opts: pulumi.CustomResourceOptions,
) => k8s.helm.v3.Release;

export interface AddonArgs {
  readonly cluster: Cluster;
  readonly release: ReleaseOf;
  /** The platform's options (parent, provider, the cluster's readiness) plus these resources. */
  readonly after: (...deps: pulumi.Resource[]) => pulumi.CustomResourceOptions;
  /** The platform's namespaces, which every release waits for. */
  readonly namespaces: readonly pulumi.Resource[];
}

/**
 * The approver's computed values: the node names and subnet the cluster layer reports. The same
 * two keys a GitOps install sets by hand (charts/README.md).
 */
export function approverValues(serving: GcpNetworking['kubeletServing']) {
  return {
    'kubelet-csr-approver': {
      providerRegex: serving.nodeNameRegex,
      providerIpPrefixes: [serving.nodeSubnet],
    },
  };
}

export interface MetricsReleases {
  /** gcp only: approves the kubelets' serving certificate requests. */
  readonly approver?: k8s.helm.v3.Release;
  readonly metricsServer: k8s.helm.v3.Release;
}

/**
 * metrics-server, after the approver on gcp (its readiness needs verified kubelets) and after
 * cert-manager (`certManagerReady`), which issues its serving certificate.
 */
export function metricsServer(a: AddonArgs, certManagerReady: pulumi.Resource): MetricsReleases {
  const networking = a.cluster.networking;
  const approver =
    networking.kind === 'gcp'
      ? a.release(
          'kubelet-csr-approver',
          { atomic: true, timeout: 300, values: approverValues(networking.kubeletServing) },
          a.after(...a.namespaces),
        )
      : undefined;
  const metrics = a.release(
    'metrics-server',
    { atomic: true, timeout: 300 },
    a.after(...a.namespaces, certManagerReady, ...(approver ? [approver] : [])),
  );
  return { ...(approver ? { approver } : {}), metricsServer: metrics };
}
