#!/usr/bin/env bash
# One step of a Kubernetes upgrade, run as root on a node of the gcp target. upgrade.sh sends
# this file over `gcloud compute ssh` (base64 in the command, so nothing reads it from stdin).
#   kubeadm-apply <x.y.z>  control plane: kubeadm <x.y.z>, `kubeadm upgrade plan`, `apply -y`
#   kubeadm-node <x.y.z>   worker: kubeadm <x.y.z>, `kubeadm upgrade node`
#   kubelet <x.y.z>        any node (drained first): kubelet and kubectl <x.y.z>, kubelet restarted
# Packages come from pkgs.k8s.io's repository of the target's minor, switched to first when the
# minor changes; they are held again whatever happens.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: upgrade-node.sh <kubeadm-apply|kubeadm-node|kubelet> <x.y.z>" >&2
  exit 2
fi
step="$1"
version="$2"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "upgrade-node: \"$version\" is not a version: expected x.y.z" >&2
  exit 2
fi
minor="${version%.*}"
sources="${K8S_UPGRADE_APT_SOURCE:-/etc/apt/sources.list.d/kubernetes.list}"
keyring="${K8S_UPGRADE_APT_KEYRING:-/etc/apt/keyrings/kubernetes-apt-keyring.gpg}"
# Written by the control plane's startup script (infra/cluster/gcp/control-plane-script.ts).
kube_proxy_patch="${K8S_UPGRADE_KUBE_PROXY_PATCH:-/etc/k8s-platform/kube-proxy-patch.json}"
export DEBIAN_FRONTEND=noninteractive

fail() {
  echo "upgrade-node: $*" >&2
  exit 1
}

# pkgs.k8s.io has one repository per minor: point the source (and its key) at the target's.
use_minor_repository() {
  local pattern='pkgs\.k8s\.io/core:/stable:/v[0-9]+\.[0-9]+/deb/'
  grep -Eq "$pattern" "$sources" || fail "$sources names no pkgs.k8s.io repository"
  if grep -q "pkgs.k8s.io/core:/stable:/v$minor/deb/" "$sources"; then return 0; fi
  echo "upgrade-node: switching $sources to the v$minor repository"
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/v$minor/deb/Release.key" |
    gpg --dearmor --yes -o "$keyring"
  sed -Ei "s#(pkgs\\.k8s\\.io/core:/stable:/)v[0-9]+\\.[0-9]+/#\\1v$minor/#g" "$sources"
}

# Unhold, install exactly <version>, hold again (also when the install fails).
install_exact() {
  local packages=() name
  for name in "$@"; do packages+=("$name=$version-*"); done
  apt-mark unhold "$@"
  # shellcheck disable=SC2064 # the package names are fixed now, on purpose
  trap "apt-mark hold $*" EXIT
  # Wait for another apt (unattended upgrades) rather than fail on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q "${packages[@]}"
  apt-mark hold "$@"
  trap - EXIT
}

case "$step" in
  kubeadm-apply)
    use_minor_repository
    install_exact kubeadm
    kubeadm upgrade plan "v$version"
    kubeadm upgrade apply -y "v$version"
    # kubeadm rewrites kube-proxy's DaemonSet without the requests the startup script gave it.
    if [[ -f "$kube_proxy_patch" ]]; then
      kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system patch daemonset kube-proxy \
        --type strategic --patch-file "$kube_proxy_patch"
    fi
    ;;
  kubeadm-node)
    use_minor_repository
    install_exact kubeadm
    kubeadm upgrade node
    ;;
  kubelet)
    use_minor_repository
    install_exact kubelet kubectl
    systemctl daemon-reload
    systemctl restart kubelet
    ;;
  *)
    echo "upgrade-node: unknown step \"$step\": expected kubeadm-apply, kubeadm-node or kubelet" >&2
    exit 2
    ;;
esac
