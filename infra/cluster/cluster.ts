// The seam between the cluster layer and the platform layer: whatever built the cluster hands
// the platform a k8s.Provider, the kubeconfig to reach the API server outside Pulumi's
// resources (Vault's configuration), and how Services of type LoadBalancer get their addresses.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EnabledApis } from './gcp/apis';

/** minikube: MetalLB answers ARP for a pool inside minikube's node network. */
export interface MinikubeNetworking {
  readonly kind: 'minikube';
  /** MetalLB pool, `first-last` or a CIDR, inside minikube's network. */
  readonly metallbPool: string;
}

/** gcp: addresses delivered by the VPC (routes to the workers, a passthrough load balancer). */
export interface GcpNetworking {
  readonly kind: 'gcp';
  /** The cluster's name (stack config clusterName), which prefixes its Google resources. */
  readonly clusterName: string;
  readonly project: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /** CIDR the VPC routes to the workers; MetalLB assigns Service addresses from it. */
  readonly metallbPoolRange: pulumi.Input<string>;
  /** Reserved external address of the passthrough load balancer, for the ingress controller. */
  readonly ingressAddress: pulumi.Input<string>;
  /** Provider for the Google Cloud resources the platform creates (Vault's KMS key). */
  readonly gcpProvider?: pulumi.ProviderResource;
  /** The workers' service account: the PD CSI driver runs with its credentials. */
  readonly workerServiceAccountEmail: pulumi.Input<string>;
  /** The enablement of the Google APIs: the platform's Google resources depend on them. */
  readonly apis?: EnabledApis;
  /**
   * What a kubelet's serving certificate may name, for the kubelet CSR approver: a regex matching
   * exactly the node names, and the nodes' subnet its addresses must fall in.
   */
  readonly kubeletServing: { readonly nodeNameRegex: string; readonly nodeSubnet: string };
}

/** A running cluster, as the platform layer needs it. */
export interface Cluster {
  readonly provider: k8s.Provider;
  /** kubeconfig: a file path (minikube) or its content, a secret (gcp). */
  readonly kubeconfig: { readonly path: string } | { readonly content: pulumi.Input<string> };
  readonly context: string;
  readonly networking: MinikubeNetworking | GcpNetworking;
  /** Resources the platform must wait for (the cluster's readiness check on gcp). */
  readonly ready: readonly pulumi.Resource[];
  /**
   * The workers the platform schedules on (gcp); minikube leaves it out, its one node is
   * MINIKUBE_SHAPE in infra/platform/footprint.ts.
   */
  readonly workers?: { readonly count: number; readonly machineType: string };
}

/**
 * How a repository program run by a Pulumi Command reaches the API server: KUBECONFIG (a path) or
 * KUBECONFIG_CONTENT (a secret); read back by credentialsFromEnv (infra/kube/kube-api.ts).
 */
export function kubeconfigEnvironment(cluster: Cluster): Record<string, pulumi.Input<string>> {
  return 'path' in cluster.kubeconfig
    ? { KUBECONFIG: cluster.kubeconfig.path }
    : { KUBECONFIG_CONTENT: pulumi.secret(cluster.kubeconfig.content) };
}
