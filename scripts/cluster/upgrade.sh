#!/usr/bin/env bash
# Upgrades the gcp target's kubeadm cluster to an exact Kubernetes version, one node at a time:
#   1. the control plane <cluster>-cp-0: kubeadm <version>, `kubeadm upgrade plan` and
#      `kubeadm upgrade apply`; then drained, kubelet and kubectl <version>, Ready, uncordoned;
#   2. each worker in turn: drained, `kubeadm upgrade node`, kubelet and kubectl <version>,
#      Ready at <version>, uncordoned; the next worker only after that.
# It stops at the first failure, naming the node and the step. Run it again with the same
# version to resume: a node whose kubelet already runs the version is skipped.
# The node steps are scripts/cluster/upgrade-node.sh, run over `gcloud compute ssh` through
# IAP. kubectl uses the ambient kubeconfig (KUBECONFIG=...).
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: npm run cluster:upgrade -- --to <x.y.z> [--project <id>] [--zone <zone>]
                                  [--cluster <name>] [--drain-timeout <duration>]
  --to             the exact Kubernetes version, at most one minor above the cluster's
  --project        Google Cloud project      (default: pulumi config get gcpProject)
  --zone           zone of the VMs           (default: pulumi config get gcpZone, or <gcpRegion>-b)
  --cluster        clusterName of the stack  (default: pulumi config get clusterName, or k8s-platform)
  --drain-timeout  per node, as kubectl drain's --timeout (default: 10m)
USAGE
}

fail() {
  echo "upgrade: $*" >&2
  exit 1
}

to=""
project=""
zone=""
cluster=""
drain_timeout=10m
while [[ $# -gt 0 ]]; do
  case "$1" in
    --to | --project | --zone | --cluster | --drain-timeout)
      [[ $# -ge 2 ]] || fail "$1 needs a value"
      case "$1" in
        --to) to="$2" ;;
        --project) project="$2" ;;
        --zone) zone="$2" ;;
        --cluster) cluster="$2" ;;
        --drain-timeout) drain_timeout="$2" ;;
      esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage
      fail "unknown argument \"$1\""
      ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
poll_seconds="${K8S_UPGRADE_POLL_SECONDS:-10}"
wait_attempts="${K8S_UPGRADE_WAIT_ATTEMPTS:-60}"

[[ -n "$to" ]] || fail "--to is required: the exact Kubernetes version, e.g. 1.33.5"
version_re='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$'
[[ "$to" =~ $version_re ]] ||
  fail "--to \"$to\" is not a Kubernetes version: expected x.y.z, such as 1.33.5 (no leading v)"
to_major="${BASH_REMATCH[1]}"
to_minor="${BASH_REMATCH[2]}"
to_patch="${BASH_REMATCH[3]}"

# The stack's configuration, where the Pulumi CLI and a selected stack are at hand.
config() {
  if command -v pulumi >/dev/null 2>&1; then pulumi config get "$1" 2>/dev/null || true; fi
}
[[ -n "$project" ]] || project="$(config gcpProject)"
[[ -n "$project" ]] || fail "no project: pass --project <id> (or select the stack: pulumi config get gcpProject)"
[[ -n "$cluster" ]] || cluster="$(config clusterName)"
[[ -n "$cluster" ]] || cluster=k8s-platform
if [[ -z "$zone" ]]; then
  zone="$(config gcpZone)"
  if [[ -z "$zone" ]]; then
    region="$(config gcpRegion)"
    zone="${region:-europe-west1}-b"
  fi
fi

server="$(kubectl get --raw /version)" ||
  fail "kubectl cannot reach the cluster: set KUBECONFIG (pulumi stack output kubeconfig --show-secrets)"
current="$(sed -n 's/.*"gitVersion": *"v\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' <<<"$server")"
[[ "$current" =~ $version_re ]] || fail "cannot read the API server's version from: $server"
cur_major="${BASH_REMATCH[1]}"
cur_minor="${BASH_REMATCH[2]}"
cur_patch="${BASH_REMATCH[3]}"

if ((to_major != cur_major)); then
  fail "--to $to changes the major version of the cluster (v$current): not supported"
fi
if ((to_minor < cur_minor || (to_minor == cur_minor && to_patch < cur_patch))); then
  fail "--to $to is older than the cluster's v$current: kubeadm does not downgrade"
fi
if ((to_minor > cur_minor + 1)); then
  fail "refusing to skip a minor version: the cluster runs v$current and --to $to is $((to_minor - cur_minor)) minors ahead; upgrade to a $cur_major.$((cur_minor + 1)) release first"
fi

control_plane="$cluster-cp-0"
kubectl get node "$control_plane" -o name >/dev/null ||
  fail "the cluster has no node $control_plane: is --cluster $cluster right?"
workers="$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' \
  -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')" ||
  fail "cannot list the worker nodes (kubectl get nodes)"

node_script="$(base64 <"$here/upgrade-node.sh" | tr -d '\n')"

# One step of upgrade-node.sh on a VM (node names are the VMs' names). --quiet: no prompt,
# such as the passphrase of a first SSH key.
on_node() { # vm step
  gcloud compute ssh "$1" --zone "$zone" --project "$project" --tunnel-through-iap --quiet \
    --command "sudo bash -c \"\$(echo $node_script | base64 -d)\" upgrade-node $2 $to" </dev/null
}

kubelet_version() {
  kubectl get node "$1" -o jsonpath='{.status.nodeInfo.kubeletVersion}'
}

wait_for_api() {
  local i
  for ((i = 0; i < wait_attempts; i++)); do
    if kubectl get --raw /readyz >/dev/null 2>&1; then return 0; fi
    sleep "$poll_seconds"
  done
  return 1
}

# Ready, with the new kubelet reporting: an old Ready status alone proves nothing.
wait_for_ready() { # node
  local i state
  for ((i = 0; i < wait_attempts; i++)); do
    state="$(kubectl get node "$1" \
      -o jsonpath='{.status.nodeInfo.kubeletVersion} {.status.conditions[?(@.type=="Ready")].status}')" || true
    if [[ "$state" == "v$to True" ]]; then return 0; fi
    sleep "$poll_seconds"
  done
  echo "upgrade: $1 reports \"$state\", expected \"v$to True\"" >&2
  return 1
}

# Runs one step; its command runs without errexit (it is tested by ||), so each returns its
# own status explicitly.
step() { # node description command...
  local node="$1" what="$2"
  shift 2
  echo "upgrade: $node: $what"
  "$@" || fail "stopped at node $node, step \"$what\"; nothing after it ran. Fix the cause and run the same command again: nodes already at v$to are skipped."
}

# Drain, the node's own steps, Ready at the version, uncordon.
upgrade_kubelet() { # node [kubeadm-node]
  local node="$1"
  step "$node" "drain" kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data \
    --timeout="$drain_timeout"
  if [[ $# -gt 1 ]]; then step "$node" "kubeadm upgrade node" on_node "$node" kubeadm-node; fi
  step "$node" "kubelet and kubectl $to" on_node "$node" kubelet
  step "$node" "Ready at v$to" wait_for_ready "$node"
  step "$node" "uncordon" kubectl uncordon "$node"
}

echo "upgrade: cluster $cluster (project $project, zone $zone) from v$current to v$to"
if [[ "$current" != "$to" ]]; then
  step "$control_plane" "kubeadm upgrade apply v$to" on_node "$control_plane" kubeadm-apply
  step "$control_plane" "API server ready" wait_for_api
else
  echo "upgrade: the control plane already runs v$to"
fi
for node in "$control_plane" $workers; do
  if [[ "$(kubelet_version "$node")" == "v$to" ]]; then
    echo "upgrade: $node: kubelet already at v$to, skipped"
  elif [[ "$node" == "$control_plane" ]]; then
    upgrade_kubelet "$node"
  else
    upgrade_kubelet "$node" kubeadm-node
  fi
done
echo "upgrade: done; every node runs v$to. Set KUBERNETES_VERSION = '$to' in infra/config/nodes.ts so new and replaced nodes install it too."
