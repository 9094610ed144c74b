// What every node keeps back from pods, shared by the gcp cluster layer (which writes it into
// the kubelet configuration) and the platform's footprint test (which subtracts it).

/**
 * The one Kubernetes version pin: the gcp nodes install it (kubelet, kubeadm, kubectl, held),
 * KUBERNETES_MINOR (./environments.ts) derives from it, and tests hold tools/kube-apiserver's
 * go.mod and the READMEs to it. Not a stack setting: the node scripts are tested at this one.
 */
export const KUBERNETES_VERSION = '1.32.13';

/** kubelet reservations, as Kubernetes quantities. */
export const KUBELET_RESERVED = {
  systemReserved: { cpu: '100m', memory: '512Mi' },
  kubeReserved: { cpu: '100m', memory: '512Mi' },
  /** Hard eviction threshold: pods are evicted before the node runs out. */
  evictionHardMemory: '100Mi',
} as const;

/** The total kept back per node, in millicores and MiB. */
export const NODE_RESERVED = { cpuMillis: 100 + 100, memoryMiB: 512 + 512 + 100 };
