#!/usr/bin/env bash
# kubeadm certificate expiry metrics and renewal, for the control plane. Installed and run
# daily by a systemd timer (infra/cluster/gcp/maintenance.ts renders the units).
#
# 1. Reads the notAfter of every certificate kubeadm made: /etc/kubernetes/pki (and etcd/),
#    the client certificates embedded in the control plane's kubeconfigs, and the kubelet's
#    rotating client certificate; writes them as a node-exporter textfile metric.
# 2. When a certificate that `kubeadm certs renew all` covers expires within the renewal
#    window, renews all of them, restarts the static pods so they load the new files (the
#    kubelet stops a static pod whose manifest leaves the manifest folder and starts it again
#    when it returns), replaces the admin kubeconfig's copies, and writes the metric again.
# Not renewed here: the CAs (made by Pulumi, ten years) and the kubelet's client certificate,
# which the kubelet rotates itself (kubelet.conf points at kubelet-client-current.pem).
# Every path can be overridden by the environment, which is how the tests run it.
set -euo pipefail

pki_dir="${K8S_PLATFORM_PKI_DIR:-/etc/kubernetes/pki}"
kubeconfig_dir="${K8S_PLATFORM_KUBECONFIG_DIR:-/etc/kubernetes}"
manifest_dir="${K8S_PLATFORM_MANIFEST_DIR:-/etc/kubernetes/manifests}"
holding_dir="${K8S_PLATFORM_MANIFEST_HOLDING_DIR:-/etc/kubernetes/manifests-restarting}"
kubelet_pki_dir="${K8S_PLATFORM_KUBELET_PKI_DIR:-/var/lib/kubelet/pki}"
metrics_dir="${K8S_PLATFORM_METRICS_DIR:-/var/lib/k8s-platform/metrics}"
renew_before_days="${K8S_PLATFORM_RENEW_BEFORE_DAYS:-30}"
admin_copy="${K8S_PLATFORM_ADMIN_KUBECONFIG_COPY:-/root/.kube/config}"
poll_seconds="${K8S_PLATFORM_POLL_SECONDS:-5}"
poll_attempts="${K8S_PLATFORM_POLL_ATTEMPTS:-60}"

metric=k8s_platform_certificate_expiry_timestamp_seconds
metric_file="$metrics_dir/kubeadm-certificates.prom"
# The control plane's static pods, in the order they are restarted after a renewal.
static_pods=(etcd kube-apiserver kube-controller-manager kube-scheduler)

declare -A expiry=()
renewable=()

fail() {
  echo "cert-renewal: $*" >&2
  exit 1
}

# notAfter of the PEM certificate on stdin, in Unix seconds.
not_after() {
  local end
  end="$(openssl x509 -noout -enddate)" || return 1
  date -u -d "${end#notAfter=}" +%s
}

read_certificate() { # name file renewable(yes|no)
  local seconds
  seconds="$(not_after <"$2")" || fail "cannot read the certificate $2 ($1)"
  expiry["$1"]="$seconds"
  if [[ "$3" == yes ]]; then renewable+=("$1"); fi
}

collect() {
  expiry=()
  renewable=()
  local file name data
  for file in "$pki_dir"/*.crt "$pki_dir"/etcd/*.crt; do
    [[ -f "$file" ]] || continue
    name="$(basename "$file" .crt)"
    # kubeadm's names: etcd/server.crt is etcd-server, etcd/ca.crt is etcd-ca.
    if [[ "$(dirname "$file")" == "$pki_dir/etcd" ]]; then name="etcd-$name"; fi
    case "$name" in
      ca | etcd-ca | front-proxy-ca) read_certificate "$name" "$file" no ;;
      *) read_certificate "$name" "$file" yes ;;
    esac
  done
  for name in admin.conf super-admin.conf controller-manager.conf scheduler.conf; do
    file="$kubeconfig_dir/$name"
    [[ -f "$file" ]] || continue
    data="$(sed -n 's/^[[:space:]]*client-certificate-data:[[:space:]]*//p' "$file")"
    [[ -n "$data" ]] || fail "$file embeds no client-certificate-data"
    local seconds
    seconds="$(base64 -d <<<"$data" | not_after)" || fail "cannot read the certificate in $file"
    expiry["$name"]="$seconds"
    renewable+=("$name")
  done
  file="$kubelet_pki_dir/kubelet-client-current.pem"
  if [[ -f "$file" ]]; then read_certificate kubelet-client "$file" no; fi
  if [[ ${#expiry[@]} -eq 0 ]]; then fail "no certificate found under $pki_dir"; fi
}

# The textfile collector may read at any moment: write aside, then rename into place.
write_metrics() {
  install -d -m 0755 "$metrics_dir"
  local tmp name
  tmp="$(mktemp "$metrics_dir/.kubeadm-certificates.XXXXXX")"
  {
    echo "# HELP $metric When a kubeadm-managed certificate expires (notAfter), Unix seconds."
    echo "# TYPE $metric gauge"
    while IFS= read -r name; do
      printf '%s{certificate="%s"} %s\n' "$metric" "$name" "${expiry[$name]}"
    done < <(printf '%s\n' "${!expiry[@]}" | sort)
  } >"$tmp" || {
    rm -f "$tmp"
    fail "cannot write $tmp"
  }
  chmod 0644 "$tmp"
  mv -f "$tmp" "$metric_file"
}

# Manifests moved aside by an interrupted run go back first: a control plane without them
# is down.
restore_manifests() {
  local file
  for file in "$holding_dir"/*.yaml; do
    [[ -f "$file" ]] || continue
    echo "cert-renewal: restoring $(basename "$file") to $manifest_dir" >&2
    mv -f "$file" "$manifest_dir/"
  done
}

running() {
  [[ -n "$(crictl ps --name "^$1\$" --state running -q)" ]]
}

restart_static_pod() {
  local name="$1" i
  [[ -f "$manifest_dir/$name.yaml" ]] || fail "no static pod manifest $manifest_dir/$name.yaml"
  mv "$manifest_dir/$name.yaml" "$holding_dir/"
  for ((i = 0; i < poll_attempts; i++)); do
    if ! running "$name"; then break; fi
    sleep "$poll_seconds"
  done
  if running "$name"; then fail "$name still runs with its manifest moved away"; fi
  mv "$holding_dir/$name.yaml" "$manifest_dir/"
  for ((i = 0; i < poll_attempts; i++)); do
    if running "$name"; then
      echo "cert-renewal: $name restarted"
      return 0
    fi
    sleep "$poll_seconds"
  done
  fail "$name did not start again after its manifest returned"
}

install -d -m 0700 "$holding_dir"
trap restore_manifests EXIT
restore_manifests

collect
write_metrics

deadline=$(($(date +%s) + renew_before_days * 86400))
due=()
for name in "${renewable[@]}"; do
  if ((expiry[$name] <= deadline)); then due+=("$name"); fi
done
if [[ ${#due[@]} -eq 0 ]]; then
  echo "cert-renewal: no certificate expires within $renew_before_days days"
  exit 0
fi

echo "cert-renewal: expiring within $renew_before_days days: ${due[*]}; renewing all"
kubeadm certs renew all
for pod in "${static_pods[@]}"; do restart_static_pod "$pod"; done
if [[ -f "$admin_copy" ]]; then
  install -m 0600 "$kubeconfig_dir/admin.conf" "$admin_copy"
  echo "cert-renewal: replaced $admin_copy with the renewed admin.conf"
fi
collect
write_metrics
echo "cert-renewal: done"
