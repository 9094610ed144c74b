// What every gcp node runs and keeps back from pods, shared by the gcp cluster layer (which
// writes it into the startup scripts and the kubelet configuration) and the platform's footprint
// test (which subtracts it).
import { CPU_FORMS, MEMORY_FORMS, parseCpuMillis, parseMemoryBytes } from './quantities';

/**
 * The one Kubernetes version pin: the gcp nodes install it (kubelet, kubeadm, kubectl, held),
 * KUBERNETES_MINOR (./environments.ts) derives from it, and tests hold tools/kube-apiserver's
 * go.mod and the READMEs to it. Not a stack setting: the node scripts are tested at this one.
 */
export const KUBERNETES_VERSION = '1.32.13';

/**
 * The container runtime, from the projects' GitHub releases, each file checked against its
 * sha256 (amd64: every machine family the config allows is x86). containerd 2.0 is the line
 * containerd's RELEASES.md supports with Kubernetes 1.32 ("2.1.0+, 2.0.1+, 1.7.24+") that is
 * still maintained (2.0 LTS until March 2027; 1.7 ended September 2026, 2.1 July 2026); Debian
 * 12's own 1.6.20 is below every supported line. runc is the version containerd 2.0.11 tests
 * with (its script/setup/runc-version). The static containerd build needs no particular glibc,
 * so Debian 12 and both Ubuntu images run the same binaries. The sums are the release assets'
 * published .sha256sum values (as recorded in kubespray's checksums.yml).
 */
export const CONTAINER_RUNTIME = {
  containerd: {
    version: '2.0.11',
    sha256: '80c9b4afb94c21c86783d99c92b531969692a5c393c73e4735676d7caf61b1ed',
  },
  runc: {
    version: '1.3.6',
    sha256: '3f3921dbbee7723e9868f97e88e51ffc910206e3ba55646e74d93d24ea76023c',
  },
  /** The sandbox image kubeadm 1.32 expects. */
  pauseImage: 'registry.k8s.io/pause:3.10',
} as const;

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

/**
 * What the kubelet offers pods on a node of `capacity`: capacity minus system-reserved,
 * kube-reserved and the memory eviction threshold (the kubelet's Node Allocatable rule). The
 * capacity here is the machine type's nominal size; the kernel keeps a few percent of the
 * memory from the kubelet's view, so the real figure is slightly lower.
 */
export function nodeAllocatable(capacity: {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}): { cpuMillis: number; memoryMiB: number } {
  return {
    cpuMillis: capacity.cpuMillis - NODE_RESERVED.cpuMillis,
    memoryMiB: capacity.memoryMiB - NODE_RESERVED.memoryMiB,
  };
}
