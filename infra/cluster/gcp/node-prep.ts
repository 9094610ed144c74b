// What every node runs before it becomes a control plane or a worker: the prelude, the marker
// check, kernel settings, the container runtime, and kubelet/kubeadm/kubectl at one exact
// version, held.
import { containerdInstall } from './containerd';
import { minorOf, NodeParams } from './node-params';
import { FETCH_ATTEMPTS, PreludeOptions, scriptPrelude } from './script-prelude';

/** The file whose presence makes later boots a no-op. */
export const MARKER = '/var/lib/k8s-platform/bootstrapped';

export interface ScriptOptions extends PreludeOptions {
  /**
   * Shell fragments run after the node's own steps and before it is marked done; they may use
   * the prelude's `step`, `retry` and `report`, and a failure in one fails the bootstrap.
   * @default none
   */
  readonly extraSteps?: readonly string[];
}

/** What every node runs first (idempotent: the marker file ends later boots early). */
export function nodePrep(p: NodeParams, o: PreludeOptions = {}): string {
  const minor = minorOf(p.kubernetesVersion);
  const v = p.kubernetesVersion;
  return `${scriptPrelude(o)}
marker=${MARKER}
if [[ -f "$marker" ]]; then
  echo "k8s-platform-bootstrap: already bootstrapped"
  report 'done'
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive

# A secret's latest version on stdout (only ever captured or redirected to a file, never echoed).
fetch_secret() {
  retry ${FETCH_ATTEMPTS} gcloud secrets versions access latest --secret="$1" --project="${p.project}"
}

step swap
# No swap: the kubelet refuses to start with swap on by default.
swapoff -a
sed -i '/[[:space:]]swap[[:space:]]/ s/^#*/#/' /etc/fstab

step kernel
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

step apt
retry ${FETCH_ATTEMPTS} apt_get update
retry ${FETCH_ATTEMPTS} apt_get install apt-transport-https ca-certificates curl gpg

${containerdInstall()}
step kubernetes-packages
# kubelet, kubeadm and kubectl ${v} from the v${minor} package repository, held.
install -d -m 0755 /etc/apt/keyrings
retry ${FETCH_ATTEMPTS} curl -fsSL -o /etc/apt/keyrings/kubernetes-apt-keyring.asc \\
  https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Release.key
gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg \\
  /etc/apt/keyrings/kubernetes-apt-keyring.asc
echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /' \\
  >/etc/apt/sources.list.d/kubernetes.list
retry ${FETCH_ATTEMPTS} apt_get update
retry ${FETCH_ATTEMPTS} apt_get install kubelet='${v}-*' kubeadm='${v}-*' kubectl='${v}-*'
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet
`;
}

/** What every node runs last: the extra steps, then the marker and `done`. */
export function nodeFinish(o: ScriptOptions = {}): string {
  const extra = (o.extraSteps ?? []).map((fragment) => `${fragment.trim()}\n\n`).join('');
  return `${extra}install -d -m 0755 "$(dirname "$marker")"
touch "$marker"
report 'done'
echo "k8s-platform-bootstrap: done"
`;
}
