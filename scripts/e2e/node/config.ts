// The configuration files of the e2e node, as pure functions of its folder (tested in
// tests/e2e/node/config.test.ts). The node lives in a network namespace of its own: the API
// server, the kubelet and the pods share its bridge, so every port stays off the host's network.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KUBERNETES_VERSION } from '../../../infra/config/nodes';

export const NODE_NAME = 'e2e-node';
/** The bridge the CNI plugin attaches pods to; the node's own address is its gateway. */
export const BRIDGE = 'k8sp0';
export const NODE_IP = '10.244.0.1';
export const POD_SUBNET = '10.244.0.0/24';
export const SERVICE_SUBNET = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const DNS_SERVICE_IP = '10.96.0.10';
export const API_PORT = 6443;
/** The sandbox image containerd runs for every pod (built by the e2e, never pulled). */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** Where each component keeps its files inside the node's folder. */
export function layout(dir: string) {
  return {
    pki: join(dir, 'pki'),
    kubeconfigs: join(dir, 'kubeconfig'),
    /** system:masters: kubeadm's admin.conf needs a binding only `kubeadm init` creates. */
    admin: join(dir, 'kubeconfig', 'super-admin.conf'),
    kubeProxyKubeconfig: join(dir, 'kubeconfig', 'kube-proxy.conf'),
    etcd: join(dir, 'etcd'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    containerdConfig: join(dir, 'containerd', 'config.toml'),
    cniConf: join(dir, 'cni', 'net.d'),
    cniIpam: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    kubeProxyConfig: join(dir, 'kube-proxy-config.yaml'),
    kubeadmConfig: join(dir, 'kubeadm.yaml'),
    resolvConf: join(dir, 'resolv.conf'),
  };
}
export type Layout = ReturnType<typeof layout>;

/** kubeadm's configuration: only its certificate and kubeconfig phases run (no preflight, no systemd). */
export function kubeadmConfig(l: Layout): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${NODE_IP}
  bindPort: ${API_PORT}
nodeRegistration:
  name: ${NODE_NAME}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v${KUBERNETES_VERSION}
clusterName: e2e
certificatesDir: ${l.pki}
controlPlaneEndpoint: ${NODE_IP}:${API_PORT}
apiServer:
  certSANs: [${NODE_IP}, ${KUBERNETES_SERVICE_IP}, 127.0.0.1]
networking:
  serviceSubnet: ${SERVICE_SUBNET}
  podSubnet: ${POD_SUBNET}
  dnsDomain: cluster.local
`;
}

/**
 * containerd 1.6 (Debian's) with a root, state and socket of its own. The VM lacks
 * CAP_SYS_RESOURCE, so the OOM score is left alone; network namespaces stay under its state
 * folder instead of /run/netns.
 */
export function containerdConfig(l: Layout): string {
  return `version = 2
root = "${l.containerdRoot}"
state = "${l.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${l.containerdSocket}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${l.cniConf}"
`;
}

/**
 * The bridge network: the node's address is every pod's default gateway (Service addresses are
 * routed there and translated by kube-proxy); hairpin, so a pod reaches itself through its
 * Service. The bridge plugin enforces no NetworkPolicy.
 */
export function cniConfig(l: Layout): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'k8sp-e2e',
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          isDefaultGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: l.cniIpam,
            ranges: [[{ subnet: POD_SUBNET, gateway: NODE_IP }]],
          },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

/**
 * The kubelet: cgroupfs (PID 1 is not systemd), OOM score 0 (no CAP_SYS_RESOURCE), webhook
 * authentication and authorization, low eviction thresholds (the disk is shared), swap allowed to
 * be absent. Its serving certificate is self-signed, as on minikube.
 */
export function kubeletConfig(l: Layout): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
oomScoreAdj: 0
failSwapOn: false
address: ${NODE_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix://${l.containerdSocket}
clusterDNS: [${DNS_SERVICE_IP}]
clusterDomain: cluster.local
resolvConf: ${l.resolvConf}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${join(l.pki, 'ca.crt')}}
authorization:
  mode: Webhook
rotateCertificates: false
serverTLSBootstrap: false
evictionHard:
  memory.available: 200Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
imageGCHighThresholdPercent: 100
maxPods: 60
serializeImagePulls: false
staticPodPath: ""
`;
}

/**
 * kube-proxy in iptables mode, as service account kube-system/kube-proxy bound to
 * system:node-proxier (as kubeadm sets it up); it leaves the conntrack sysctls alone.
 */
export function kubeProxyConfig(l: Layout): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: ${POD_SUBNET}
hostnameOverride: ${NODE_NAME}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection:
  kubeconfig: ${l.kubeProxyKubeconfig}
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/** A kubeconfig for the node's API server that logs in with a bearer token (kube-proxy's). */
export function tokenKubeconfig(caBase64: string, user: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'e2e',
        cluster: {
          server: `https://${NODE_IP}:${API_PORT}`,
          'certificate-authority-data': caBase64,
        },
      },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user } }],
    'current-context': 'e2e',
  });
}

/**
 * Writes every file the node's components read: kubeadm's certificates and kubeconfigs (its
 * `certs` and `kubeconfig` phases only: no preflight, no systemd), then each configuration.
 */
export function writeConfiguration(
  l: Layout,
  kubeadm: string,
  run: (command: string, args: readonly string[]) => string,
): void {
  for (const d of [l.kubeconfigs, l.cniConf, l.cniIpam, l.kubeletRoot, dirname(l.containerdConfig)])
    mkdirSync(d, { recursive: true });
  writeFileSync(l.kubeadmConfig, kubeadmConfig(l));
  run(kubeadm, ['init', 'phase', 'certs', 'all', `--config=${l.kubeadmConfig}`]);
  run(kubeadm, [
    'init',
    'phase',
    'kubeconfig',
    'all',
    `--config=${l.kubeadmConfig}`,
    `--kubeconfig-dir=${l.kubeconfigs}`,
  ]);
  writeFileSync(l.containerdConfig, containerdConfig(l));
  writeFileSync(join(l.cniConf, '10-bridge.conflist'), cniConfig(l));
  writeFileSync(l.kubeletConfig, kubeletConfig(l));
  writeFileSync(l.kubeProxyConfig, kubeProxyConfig(l));
  // Only pods with dnsPolicy Default read it; the rest get the cluster DNS.
  writeFileSync(l.resolvConf, 'nameserver 127.0.0.1\noptions ndots:1\n');
}
