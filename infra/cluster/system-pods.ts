// What kubeadm itself runs on every cluster besides the platform's add-ons, with the requests
// the cluster layer gives them. The footprint counts these pods; the control plane's startup
// script sets kube-proxy's requests (kubeadm's DaemonSet has none) from the same figures.

/** One container's requests and memory limit, as Kubernetes quantities. */
export interface ContainerRequests {
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

/**
 * kube-proxy: kube-up's `KUBE_PROXY_CPU_REQUEST` default (100m); memory measured upstream in the
 * tens of MiB on small clusters, requested with headroom. CoreDNS: the requests and limit
 * kubeadm's own Deployment sets (2 replicas; it tolerates the control plane's taint, counted
 * on the workers to stay on the safe side).
 */
export const KUBE_SYSTEM_PODS = {
  kubeProxy: { cpu: '100m', memory: '64Mi', memoryLimit: '256Mi' },
  coreDns: { cpu: '100m', memory: '70Mi', memoryLimit: '170Mi', replicas: 2 },
} as const;
