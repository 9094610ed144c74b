#!/usr/bin/env bash
# Installs what `npm run e2e` needs, once, into .tools/bin: everything verify needs (kube-apiserver,
# kubeadm, etcd, OpenBao), the Debian packages of the node (containerd, runc, the CNI plugins,
# busybox-static, conntrack; through scripts/system-packages.sh), and the rest of the node built
# from the Go module proxy at pinned versions: kubelet, kube-controller-manager, kube-scheduler and
# kube-proxy from tools/kube-apiserver (the cluster's Kubernetes version), CoreDNS with only the
# plugins the e2e uses (tools/coredns), metrics-server, and the Vault agent injector from
# tools/vault-k8s. Each build is stamped with what it was built from, so a second run builds
# nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
bash "$root/scripts/install-verify-tools.sh"
mkdir -p "$bin"

# Builds `packages` from the module in folder `src` into .tools/bin unless the stamp `name` says
# the module's files are unchanged and every binary exists. Static (CGO off): they run in images.
build_module() {
  local name="$1" src="$2" ldflags="$3"
  shift 3
  local want missing=0 p
  want="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -d' ' -f1)"
  for p in "$@"; do [[ -x "$bin/$(basename "$p")" ]] || missing=1; done
  if [[ "$missing" == 0 && "$(cat "$bin/.$name.sha256" 2>/dev/null)" == "$want" ]]; then return 0; fi
  echo "install-e2e-tools: building $* (minutes the first time)" >&2
  (cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 GOTOOLCHAIN=local \
    go build -trimpath -ldflags "$ldflags" -o "$bin/" "$@")
  echo "$want" >"$bin/.$name.sha256"
}

# Builds `module@version` (a main package) into .tools/bin/<name>, recording the pin beside it.
go_binary() {
  local name="$1" module="$2"
  if [[ -x "$bin/$name" && "$(cat "$bin/.$name.pin" 2>/dev/null)" == "$module" ]]; then return 0; fi
  echo "install-e2e-tools: building $module" >&2
  GOBIN="$bin" CGO_ENABLED=0 GOTOOLCHAIN=local go install -trimpath -ldflags '-s -w' "$module"
  echo "$module" >"$bin/.$name.pin"
}

kube="$root/tools/kube-apiserver"
version="$(sed -nE 's/^(require[[:space:]]+)?[[:space:]]*k8s\.io\/kubernetes (v[0-9.]+)$/\2/p' "$kube/go.mod" | head -1)"
minor="${version#v}"; minor="${minor#*.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
build_module kube-node "$kube" \
  "-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy

build_module coredns "$root/tools/coredns" "-s -w" .
go_binary metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server@v0.8.0
build_module vault-k8s "$root/tools/vault-k8s" "-s -w" github.com/hashicorp/vault-k8s
