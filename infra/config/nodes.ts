// What every node keeps back from pods, shared by the gcp cluster layer (which writes it into
// the kubelet configuration) and the platform's footprint test (which subtracts it).

/** The Kubernetes release the gcp nodes install (kubelet, kubeadm, kubectl, held). */
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
