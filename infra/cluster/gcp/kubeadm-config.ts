// kubeadm's configuration for the gcp nodes (v1beta4, Kubernetes 1.31+), and the API server's
// encryption-at-rest configuration. Secrets appear only as shell variables (`${...}`) that the
// node scripts fill in from Secret Manager while writing the files.
import { KUBELET_RESERVED } from '../../config/nodes';
import { ControlPlaneParams, WorkerParams } from './node-params';
import { BOOTSTRAP_TOKEN } from './token-rotation';
import { TUNNEL_HOST } from './api-endpoint';

/** Secrets at rest in etcd: secretbox with the key read from Secret Manager at boot. */
export function encryptionConfig(): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys:
            - name: key1
              secret: "\${encryption_key}"
      - identity: {}
`;
}

/** kubeadm's configuration for the control plane (v1beta4, Kubernetes 1.31+). */
export function kubeadmInitConfig(p: ControlPlaneParams): string {
  const r = KUBELET_RESERVED;
  const eviction = Object.entries(r.evictionHard)
    .map(([signal, threshold]) => `  ${signal}: "${threshold}"`)
    .join('\n');
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
  # Read from Secret Manager at boot; it expires, and the control plane's token rotation puts a
  # fresh one in Secret Manager before it does (token-rotation.ts).
  - token: "\${bootstrap_token}"
    ttl: ${BOOTSTRAP_TOKEN.ttlHours}h
    usages: [signing, authentication]
    groups: ["system:bootstrappers:kubeadm:default-node-token"]
localAPIEndpoint:
  advertiseAddress: ${p.internalIp}
  bindPort: 6443
nodeRegistration:
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: ${p.cluster}
kubernetesVersion: v${p.kubernetesVersion}
# A stable endpoint (a reserved internal address), so a second control plane can be added.
controlPlaneEndpoint: ${p.internalIp}:6443
networking:
  podSubnet: ${p.podCidr}
  serviceSubnet: ${p.serviceCidr}
apiServer:
  certSANs: [${p.publicIp}, ${p.internalIp}, ${TUNNEL_HOST}]
  extraArgs:
    - name: encryption-provider-config
      value: /etc/kubernetes/encryption/config.yaml
    - name: audit-policy-file
      value: /etc/kubernetes/audit/policy.yaml
    - name: audit-log-path
      value: /var/log/kubernetes/audit/audit.log
    - name: audit-log-maxage
      value: "7"
    - name: audit-log-maxbackup
      value: "4"
    - name: audit-log-maxsize
      value: "100"
  extraVolumes:
    - name: encryption
      hostPath: /etc/kubernetes/encryption
      mountPath: /etc/kubernetes/encryption
      readOnly: true
      pathType: DirectoryOrCreate
    - name: audit-policy
      hostPath: /etc/kubernetes/audit
      mountPath: /etc/kubernetes/audit
      readOnly: true
      pathType: DirectoryOrCreate
    - name: audit-log
      hostPath: /var/log/kubernetes/audit
      mountPath: /var/log/kubernetes/audit
      pathType: DirectoryOrCreate
# Metrics beyond localhost, so Prometheus (kube-prometheus-stack) can scrape them; the
# firewall admits only the cluster's own networks.
controllerManager:
  extraArgs:
    - name: bind-address
      value: 0.0.0.0
scheduler:
  extraArgs:
    - name: bind-address
      value: 0.0.0.0
etcd:
  local:
    extraArgs:
      - name: listen-metrics-urls
        value: http://0.0.0.0:2381
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
# The kubelet asks the cluster CA for its serving certificate (a kubernetes.io/kubelet-serving
# CSR, approved by the platform's kubelet-csr-approver) instead of signing one itself, so
# metrics-server can verify it. kubeadm hands this configuration to every joining node too.
serverTLSBootstrap: true
systemReserved:
  cpu: ${r.systemReserved.cpu}
  memory: ${r.systemReserved.memory}
kubeReserved:
  cpu: ${r.kubeReserved.cpu}
  memory: ${r.kubeReserved.memory}
evictionHard:
${eviction}
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
metricsBindAddress: 0.0.0.0:10249
`;
}

/** kubeadm's join configuration for a worker. */
export function kubeadmJoinConfig(p: WorkerParams): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: ${p.endpoint}
    token: "\${bootstrap_token}"
    caCertHashes: ["${p.caCertHash}"]
nodeRegistration:
  criSocket: unix:///run/containerd/containerd.sock
`;
}
