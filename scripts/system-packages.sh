#!/usr/bin/env bash
# The Debian packages the tests need, checked in one place: `npm test` (through
# install-tools.sh) and `npm run verify` (through install-verify-tools.sh) run this first. As root
# with apt-get it installs what is missing; otherwise it stops at once with the exact command.
#   postgresql   the API's integration tests and verify's db-restore part (initdb, postgres,
#                pg_basebackup, psql, run as the postgres user the package creates)
#   (the linter) shellcheck: the suite lints every shell script
#   etcd-server  under verify's kube-apiserver;  etcd-client: etcdctl, verify's etcd-restore part
#   prometheus   promtool: verify checks and unit-tests the alert rules
#   iproute2, iptables  verify's node-network part (throwaway network namespaces)
#   containerd, runc, containernetworking-plugins, busybox-static, conntrack  the e2e node
#                (npm run e2e): the container runtime, the bridge CNI, the images' shell
# `--list` prints the package names, one per line, and changes nothing.
set -euo pipefail

has() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/sbin/$1" ]]; }

# package, then the probe that says it is installed
probe() {
  case "$1" in
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
    shellcheck) has shellcheck ;;
    etcd-server) has etcd ;;
    etcd-client) has etcdctl ;;
    prometheus) has promtool ;;
    iproute2) has ip ;;
    iptables) has iptables && has iptables-restore ;;
    containerd) has containerd && has ctr ;;
    runc) has runc ;;
    containernetworking-plugins) [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local ]] ;;
    busybox-static) [[ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" == 'install ok installed' ]] ;;
    conntrack) has conntrack ;;
    *) return 1 ;;
  esac
}
packages=(postgresql shellcheck etcd-server etcd-client prometheus iproute2 iptables
  containerd runc containernetworking-plugins busybox-static conntrack)

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do probe "$p" || missing+=("$p"); done
[[ ${#missing[@]} -eq 0 ]] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for p in "${missing[@]}"; do
    probe "$p" || { echo "system-packages: $p was installed but is still not found" >&2; exit 1; }
  done
else
  echo "system-packages: the tests need Debian packages that are missing: ${missing[*]}" >&2
  echo "system-packages: install them as root: $command_line" >&2
  exit 1
fi
