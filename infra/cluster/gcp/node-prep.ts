// What every node runs before it becomes a control plane or a worker: the prelude, the marker
// check, kernel settings, the container runtime, and kubelet/kubeadm/kubectl at one exact
// version, held.
import { containerdInstall } from './containerd';
import { minorOf, NodeParams } from './node-params';
import { FETCH_ATTEMPTS, PreludeOptions, scriptPrelude } from './script-prelude';

/** The file whose presence makes later boots a no-op. */
export const MARKER = '/var/lib/k8s-platform/bootstrapped';

/** A shell fragment from another module, run as one named step of a node script. */
export interface ScriptStep {
  /** The step's name in progress and failure reports: lowercase letters, digits and dashes. */
  readonly name: string;
  /** bash, run as root under `set -euo pipefail`; may use the prelude's `retry` and `apt_get`. */
  readonly script: string;
}

export interface ScriptOptions extends PreludeOptions {
  /**
   * Steps after node preparation (apt lists fresh, kubelet installed but not configured) and
   * before `kubeadm init`/`join`, e.g. the pods' metadata-server block. @default none
   */
  readonly beforeKubeadm?: readonly ScriptStep[];
  /**
   * Steps after `kubeadm init`/`join` and before the node is marked done, e.g. the control
   * plane's maintenance timers. @default none
   */
  readonly afterKubeadm?: readonly ScriptStep[];
}

const STEP_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Renders steps, each announced with `step <name>` so a failure in it is reported by name. */
export function renderSteps(steps: readonly ScriptStep[] = []): string {
  return steps
    .map(({ name, script }) => {
      if (!STEP_NAME.test(name))
        throw new Error(
          `script step name: "${name}" is not allowed; use lowercase letters, digits and single dashes (e.g. "metadata-block")`,
        );
      return `step ${name}\n${script.trim()}\n\n`;
    })
    .join('');
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

/** What every node runs last: the steps after kubeadm, then the marker and `done`. */
export function nodeFinish(o: ScriptOptions = {}): string {
  return `${renderSteps(o.afterKubeadm)}install -d -m 0755 "$(dirname "$marker")"
touch "$marker"
report 'done'
echo "k8s-platform-bootstrap: done"
`;
}
