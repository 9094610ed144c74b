// What every node keeps back from pods, shared by the gcp cluster layer (which writes it into
// the kubelet configuration) and the platform's footprint test (which subtracts it).
import { parseCpuMillis, parseMemoryBytes } from './quantities';

/** The Kubernetes release the gcp nodes install (kubelet, kubeadm, kubectl, held). */
export const KUBERNETES_VERSION = '1.32.13';

/** kubelet reservations, as Kubernetes quantities. */
export const KUBELET_RESERVED = {
  systemReserved: { cpu: '100m', memory: '512Mi' },
  kubeReserved: { cpu: '100m', memory: '512Mi' },
  /** Hard eviction threshold: pods are evicted before the node runs out. */
  evictionHardMemory: '100Mi',
} as const;

const millis = (q: string): number => parseCpuMillis(q) ?? NaN;
const mebibytes = (q: string): number => (parseMemoryBytes(q) ?? NaN) / 2 ** 20;

/** The total kept back per node, in millicores and MiB (only memory has an eviction signal). */
export const NODE_RESERVED = {
  cpuMillis:
    millis(KUBELET_RESERVED.systemReserved.cpu) + millis(KUBELET_RESERVED.kubeReserved.cpu),
  memoryMiB:
    mebibytes(KUBELET_RESERVED.systemReserved.memory) +
    mebibytes(KUBELET_RESERVED.kubeReserved.memory) +
    mebibytes(KUBELET_RESERVED.evictionHardMemory),
};

/**
 * What the kubelet offers pods on a node of `capacity`: capacity minus system-reserved,
 * kube-reserved and the hard eviction threshold (the kubelet's Node Allocatable rule). The
 * capacity here is the machine type's nominal size; the kernel keeps a few percent of the
 * memory from the kubelet's view, so the real figure is slightly lower.
 */
export function nodeAllocatable(capacity: {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}): {
  cpuMillis: number;
  memoryMiB: number;
} {
  return {
    cpuMillis: capacity.cpuMillis - NODE_RESERVED.cpuMillis,
    memoryMiB: capacity.memoryMiB - NODE_RESERVED.memoryMiB,
  };
}
