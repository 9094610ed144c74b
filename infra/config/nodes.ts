// What every node keeps back from pods, shared by the gcp cluster layer (which writes it into
// the kubelet configuration) and the platform's footprint test (which subtracts it).
import { CPU_FORMS, MEMORY_FORMS, parseCpuMillis, parseMemoryBytes } from './quantities';

/** The Kubernetes release the gcp nodes install (kubelet, kubeadm, kubectl, held). */
export const KUBERNETES_VERSION = '1.32.13';

/** kubelet reservations and hard eviction thresholds, as Kubernetes quantities. */
export const KUBELET_RESERVED = {
  systemReserved: { cpu: '100m', memory: '512Mi' },
  kubeReserved: { cpu: '100m', memory: '512Mi' },
  /**
   * Hard eviction thresholds: pods are evicted before the node runs out. The kubelet replaces its
   * defaults with this map rather than merging it, so every signal is listed; the disk ones are
   * the kubelet's documented Linux defaults.
   */
  evictionHard: {
    'memory.available': '100Mi',
    'nodefs.available': '10%',
    'nodefs.inodesFree': '5%',
    'imagefs.available': '15%',
    'imagefs.inodesFree': '5%',
  },
} as const;

function quantity<T>(
  key: string,
  value: string,
  parse: (q: string) => T | undefined,
  forms: string,
) {
  const parsed = parse(value);
  if (parsed === undefined) throw new Error(`KUBELET_RESERVED.${key}: "${value}" is not ${forms}`);
  return parsed;
}

/**
 * What a node keeps back from pods, in millicores and MiB: both reservations plus the memory
 * eviction threshold (the disk thresholds take no CPU or memory).
 */
export function nodeReserved(r: {
  readonly systemReserved: { readonly cpu: string; readonly memory: string };
  readonly kubeReserved: { readonly cpu: string; readonly memory: string };
  readonly evictionHard: { readonly 'memory.available': string };
}): { cpuMillis: number; memoryMiB: number } {
  const cpu = (key: string, v: string) => quantity(key, v, parseCpuMillis, CPU_FORMS);
  const mib = (key: string, v: string) =>
    quantity(key, v, parseMemoryBytes, MEMORY_FORMS) / 1024 ** 2;
  return {
    cpuMillis:
      cpu('systemReserved.cpu', r.systemReserved.cpu) + cpu('kubeReserved.cpu', r.kubeReserved.cpu),
    memoryMiB:
      mib('systemReserved.memory', r.systemReserved.memory) +
      mib('kubeReserved.memory', r.kubeReserved.memory) +
      mib("evictionHard['memory.available']", r.evictionHard['memory.available']),
  };
}

/** The total kept back per node, in millicores and MiB. */
export const NODE_RESERVED = nodeReserved(KUBELET_RESERVED);
