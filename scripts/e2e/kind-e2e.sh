#!/usr/bin/env bash
# The end-to-end path on kind (.github/workflows/e2e-kind.yml runs one step per command): a
# cluster from .github/kind/cluster.yaml, the platform installed from the wrapper charts as the
# Flux example installs it, Vault configured as for a GitOps platform, dist/dev applied with the
# API image built in the job, and `npm run smoke` at the end. Needs Docker, Go, Node and the
# internet; cannot run on the development machines.
#
#   kind-e2e.sh tools        kind, helm and kubectl, pinned, into $E2E_STATE/bin
#   kind-e2e.sh up           create the cluster
#   kind-e2e.sh image        print the API image dist/dev runs (after `npm run synth -- dev`)
#   kind-e2e.sh load         load that image, built beforehand, into the cluster's node
#   kind-e2e.sh platform     namespaces, Secrets, every platform chart (scripts/e2e/kind.ts)
#   kind-e2e.sh vault        initialize, unseal and configure Vault (npm run vault:configure)
#   kind-e2e.sh app          apply dist/dev, wait for the rollout and the certificate
#   kind-e2e.sh smoke        npm run smoke, retried while a fresh platform settles
#   kind-e2e.sh diagnostics  events, descriptions and logs of every namespace, never a Secret
#   kind-e2e.sh down         delete the cluster and the state folder (kubeconfig, Vault's keys)
#
# Environment: E2E_CLUSTER (default k8s-platform-e2e), E2E_STATE (default
# $RUNNER_TEMP/<cluster>), E2E_SMOKE_ATTEMPTS (6) and E2E_SMOKE_INTERVAL (30 seconds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# kind's release whose notes list the node image .github/kind/cluster.yaml pins (built for it).
KIND_MODULE="sigs.k8s.io/kind@v0.31.0"
HELM_MODULE="$(cat tools/helm.pin)"

cluster="${E2E_CLUSTER:-k8s-platform-e2e}"
[[ "$cluster" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || {
  echo "kind-e2e: E2E_CLUSTER=\"$cluster\" is not a DNS label (a-z, 0-9, -)" >&2
  exit 2
}
context="kind-$cluster"
state="${E2E_STATE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/$cluster}"
bin="$state/bin"
export PATH="$bin:$PATH"
export KUBECONFIG="$state/kubeconfig"

ts() { npx ts-node --transpile-only scripts/e2e/kind.ts "$@"; }

# A Go module built into $bin once per pin (the module proxy and checksum database verify it).
go_tool() {
  local name=$1 module=$2
  if [[ -x "$bin/$name" && "$(cat "$bin/.$name.pin" 2>/dev/null)" == "$module" ]]; then return; fi
  echo "kind-e2e: building $module" >&2
  GOBIN="$bin" go install "$module"
  echo "$module" >"$bin/.$name.pin"
}

tools() {
  mkdir -p "$bin"
  go_tool kind "$KIND_MODULE"
  go_tool helm "$HELM_MODULE"
  # kubectl at the cluster's pinned version, checked against the SHA-256 the release publishes.
  local version arch url
  version="v$(ts kubernetes-version)"
  if [[ -x "$bin/kubectl" && "$(cat "$bin/.kubectl.pin" 2>/dev/null)" == "$version" ]]; then return; fi
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "kind-e2e: no kubectl build for $(uname -m)" >&2; exit 1 ;;
  esac
  url="https://dl.k8s.io/release/$version/bin/linux/$arch/kubectl"
  echo "kind-e2e: downloading kubectl $version" >&2
  curl -fsSL --retry 3 -o "$bin/kubectl.download" "$url"
  if ! echo "$(curl -fsSL --retry 3 "$url.sha256")  $bin/kubectl.download" | sha256sum --check --status; then
    rm -f "$bin/kubectl.download"
    echo "kind-e2e: kubectl $version does not match its published SHA-256; not installed" >&2
    exit 1
  fi
  chmod +x "$bin/kubectl.download"
  mv "$bin/kubectl.download" "$bin/kubectl"
  echo "$version" >"$bin/.kubectl.pin"
}

up() {
  mkdir -p "$state"
  kind create cluster --name "$cluster" --config .github/kind/cluster.yaml --kubeconfig "$KUBECONFIG" --wait 5m
}

load() {
  local image
  image="$(ts image)"
  docker image inspect "$image" >/dev/null 2>&1 || {
    echo "kind-e2e: image $image is not built (docker build -t $image apps/spring-api)" >&2
    exit 1
  }
  kind load docker-image "$image" --name "$cluster"
}

platform() {
  local network="${KIND_EXPERIMENTAL_DOCKER_NETWORK:-kind}" subnets
  subnets="$(docker network inspect "$network" --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}')"
  ts install --context "$context" --subnets "$subnets"
}

vault() {
  # dev reads its secrets from a Kubernetes Secret, so no app is configured in Vault; the rest is
  # what `pulumi up` does on a dev stack (init, unseal, the Pulumi login, Kubernetes auth, KV v2).
  # The init material (unseal key) stays in a 0600 file of the state folder, removed by `down`.
  VAULT_APPS='[]' npm run vault:configure -- --context "$context" --init-store "file:$state/vault-init.json"
}

app() {
  ts app --context "$context"
}

smoke() {
  # Prometheus scrapes every 30 s and metrics-server reports a node after its first scrape: a
  # platform installed minutes ago gets a bounded time to settle; the last report decides.
  local attempts="${E2E_SMOKE_ATTEMPTS:-6}" interval="${E2E_SMOKE_INTERVAL:-30}" attempt
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    echo "kind-e2e: smoke, attempt $attempt of $attempts" >&2
    if npm run smoke -- --kubeconfig "$KUBECONFIG" --context "$context"; then return 0; fi
    if ((attempt < attempts)); then sleep "$interval"; fi
  done
  echo "kind-e2e: smoke still failing after $attempts attempts" >&2
  return 1
}

diagnostics() {
  # Best effort: every command runs even when one fails. Nothing here reads a Secret's data.
  local ns
  set +e
  kubectl --context "$context" get nodes -o wide
  helm --kube-context "$context" list --all-namespaces
  for ns in $(ts namespaces); do
    echo "::group::namespace $ns"
    kubectl --context "$context" -n "$ns" get all,pvc,ingress -o wide
    kubectl --context "$context" -n "$ns" get events --sort-by=.lastTimestamp
    kubectl --context "$context" -n "$ns" describe pods
    for pod in $(kubectl --context "$context" -n "$ns" get pods -o name); do
      kubectl --context "$context" -n "$ns" logs "$pod" --all-containers --prefix --tail=200
      kubectl --context "$context" -n "$ns" logs "$pod" --all-containers --prefix --tail=50 --previous 2>/dev/null
    done
    echo "::endgroup::"
  done
  return 0
}

down() {
  if command -v kind >/dev/null; then kind delete cluster --name "$cluster" --kubeconfig "$KUBECONFIG"; fi
  rm -rf "$state"
}

case "${1:-}" in
  tools | up | load | platform | vault | app | smoke | diagnostics | down) "$1" ;;
  image) ts image ;;
  *)
    echo "usage: kind-e2e.sh tools|up|image|load|platform|vault|app|smoke|diagnostics|down" >&2
    exit 2
    ;;
esac
