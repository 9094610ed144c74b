// The nodes' names, apart from the VMs that carry them (nodes.ts), so that the platform layer and
// the footprint read them without loading the Google provider.

/**
 * The VMs' names, which are also their Kubernetes node names (kubeadm registers a node under its
 * hostname, and Compute Engine gives a VM its name as hostname).
 */
export const controlPlaneVmName = (cluster: string): string => `${cluster}-cp-0`;
export const workerVmName = (cluster: string, index: number): string =>
  `${cluster}-worker-${index}`;

/**
 * A regular expression that matches exactly the node names above, anchored: the kubelet CSR
 * approver signs a kubelet's serving certificate only for a DNS name it matches. Workers may be
 * added later, so any worker index matches (without leading zeros), but nothing else does.
 */
export function nodeNameRegex(cluster: string): string {
  const name = cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^${name}-(cp-0|worker-(0|[1-9][0-9]*))$`;
}
