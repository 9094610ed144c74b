// The nodes' startup scripts and kubeadm configuration, rendered from plain values so they can
// be snapshot-tested and shellchecked. No secret is rendered into them: the control plane reads
// the CA key, the bootstrap token and the encryption key from Secret Manager at boot with its
// own service account, and workers read only the token. What they do, in order:
//   every node: swap off, overlay + br_netfilter, sysctls, containerd (systemd cgroups),
//               kubelet/kubeadm/kubectl at one exact version, held;
//   control plane: the Pulumi-made CA into /etc/kubernetes/pki, encryption at rest, audit
//               policy, `kubeadm init --config`;
//   workers: wait for the API server, `kubeadm join` with the CA's known hash.
import { KUBELET_RESERVED } from '../../config/nodes';

/** Secret Manager secret names, from the cluster name. */
export function secretNames(cluster: string) {
  return {
    caKey: `${cluster}-ca-key`,
    bootstrapToken: `${cluster}-bootstrap-token`,
    encryptionKey: `${cluster}-encryption-key`,
  };
}

export interface NodeParams {
  readonly cluster: string;
  readonly project: string;
  /** Exact Kubernetes version, e.g. 1.32.13. */
  readonly kubernetesVersion: string;
}

export interface ControlPlaneParams extends NodeParams {
  /** Static internal address: the advertise address and the stable control-plane endpoint. */
  readonly internalIp: string;
  /** Static external address, in the API server certificate for admins. */
  readonly publicIp: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** The cluster CA certificate (PEM, public). */
  readonly caCertPem: string;
}

export interface WorkerParams extends NodeParams {
  /** host:port of the control-plane endpoint. */
  readonly endpoint: string;
  /** `sha256:<hex>` of the CA's SubjectPublicKeyInfo. */
  readonly caCertHash: string;
}

const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

/** What every node runs first (idempotent: a marker file ends later boots early). */
export function nodePrep(p: NodeParams): string {
  const minor = minorOf(p.kubernetesVersion);
  return `#!/usr/bin/env bash
# k8s-platform node bootstrap, rendered by infra/cluster/gcp/bootstrap.ts. Runs as the GCE
# startup script at every boot; the marker file makes later boots a no-op.
set -euo pipefail
exec > >(tee -a /var/log/k8s-platform-bootstrap.log) 2>&1
marker=/var/lib/k8s-platform/bootstrapped
if [[ -f "$marker" ]]; then
  echo "k8s-platform: already bootstrapped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive

fetch_secret() {
  gcloud secrets versions access latest --secret="$1" --project="${p.project}"
}

# No swap: the kubelet refuses to start with swap on by default.
swapoff -a
sed -i '/[[:space:]]swap[[:space:]]/ s/^#*/#/' /etc/fstab

# Kernel modules and sysctls for container networking.
cat >/etc/modules-load.d/k8s.conf <<'EOF'
overlay
br_netfilter
EOF
modprobe overlay
modprobe br_netfilter
cat >/etc/sysctl.d/99-kubernetes.conf <<'EOF'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
EOF
sysctl --system >/dev/null

# containerd with the systemd cgroup driver (the kubelet's driver below).
apt-get update -q
apt-get install -y -q apt-transport-https ca-certificates curl gpg containerd
mkdir -p /etc/containerd
containerd config default >/etc/containerd/config.toml
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
sed -i 's#sandbox_image = ".*"#sandbox_image = "registry.k8s.io/pause:3.10"#' /etc/containerd/config.toml
systemctl restart containerd
systemctl enable containerd

# kubelet, kubeadm and kubectl ${p.kubernetesVersion} from the v${minor} package repository, held.
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Release.key |
  gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /' \\
  >/etc/apt/sources.list.d/kubernetes.list
apt-get update -q
apt-get install -y -q kubelet='${p.kubernetesVersion}-*' kubeadm='${p.kubernetesVersion}-*' kubectl='${p.kubernetesVersion}-*'
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet
`;
}

/** Secrets at rest in etcd: secretbox with the key read from Secret Manager at boot. */
function encryptionConfig(): string {
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

/** Audit: who changed what; never the bodies of Secrets, ConfigMaps or tokens. */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # Probes and version checks: noise.
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
  # The system's own watches and leases: noise.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
  - level: None
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
  # Anything touching secret material: who and when, never the payload.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
  # Reads of everything else: not recorded.
  - level: None
    verbs: ["get", "list", "watch"]
  # Changes to access control: with their request body.
  - level: Request
    resources:
      - group: "rbac.authorization.k8s.io"
  # Every other change: metadata.
  - level: Metadata
`;

/** kubeadm's configuration for the control plane (v1beta4, Kubernetes 1.31+). */
export function kubeadmInitConfig(p: ControlPlaneParams): string {
  const r = KUBELET_RESERVED;
  const eviction = Object.entries(r.evictionHard)
    .map(([signal, threshold]) => `  ${signal}: "${threshold}"`)
    .join('\n');
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
  # Read from Secret Manager at boot. It does not expire, so that a worker recreated by
  # pulumi up can still join; only the workers' service account can read it.
  - token: "\${bootstrap_token}"
    ttl: 0s
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
  certSANs: [${p.publicIp}, ${p.internalIp}]
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

/** The control plane's startup script: node preparation, then `kubeadm init`. */
export function controlPlaneScript(p: ControlPlaneParams): string {
  const s = secretNames(p.cluster);
  return `${nodePrep(p)}
# The cluster CA made by Pulumi: kubeadm uses an existing ca.crt/ca.key instead of its own, so
# the workers' discovery hash and the admin kubeconfig are known before this VM exists.
install -d -m 0700 /etc/kubernetes/pki
cat >/etc/kubernetes/pki/ca.crt <<'EOF'
${p.caCertPem.trim()}
EOF
(umask 077 && fetch_secret ${s.caKey} >/etc/kubernetes/pki/ca.key)

# Secrets encrypted at rest in etcd.
install -d -m 0700 /etc/kubernetes/encryption
encryption_key="$(fetch_secret ${s.encryptionKey})"
(umask 077 && cat >/etc/kubernetes/encryption/config.yaml <<EOF
${encryptionConfig().trim()}
EOF
)
unset encryption_key

# API audit log.
install -d -m 0700 /etc/kubernetes/audit /var/log/kubernetes/audit
cat >/etc/kubernetes/audit/policy.yaml <<'EOF'
${AUDIT_POLICY.trim()}
EOF

bootstrap_token="$(fetch_secret ${s.bootstrapToken})"
(umask 077 && cat >/etc/kubernetes/kubeadm.yaml <<EOF
${kubeadmInitConfig(p).trim()}
EOF
)
unset bootstrap_token
kubeadm init --config /etc/kubernetes/kubeadm.yaml
rm -f /etc/kubernetes/kubeadm.yaml
install -d /var/lib/k8s-platform
touch "$marker"
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

/** A worker's startup script: node preparation, wait for the API server, `kubeadm join`. */
export function workerScript(p: WorkerParams): string {
  const s = secretNames(p.cluster);
  return `${nodePrep(p)}
# Workers boot alongside the control plane: wait (at most 30 minutes) until it answers.
for _ in $(seq 1 180); do
  if curl -ksf -o /dev/null "https://${p.endpoint}/livez"; then break; fi
  sleep 10
done

bootstrap_token="$(fetch_secret ${s.bootstrapToken})"
(umask 077 && cat >/etc/kubernetes/kubeadm-join.yaml <<EOF
${kubeadmJoinConfig(p).trim()}
EOF
)
unset bootstrap_token
kubeadm join --config /etc/kubernetes/kubeadm-join.yaml
rm -f /etc/kubernetes/kubeadm-join.yaml
install -d /var/lib/k8s-platform
touch "$marker"
`;
}
