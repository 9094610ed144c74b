#!/usr/bin/env bash
# An etcd snapshot of the control plane, uploaded to Cloud Storage. Installed and run every
# few hours by a systemd timer (infra/cluster/gcp/maintenance.ts renders the units).
#
# etcdctl and etcdutl run inside kubeadm's etcd container (the node has neither), with the
# etcd CA's health-check client certificate. The snapshot is written to etcd's data folder,
# which the container shares with the host at the same path, checked (`snapshot status`: it
# must hold keys), uploaded as gs://<bucket>/etcd/<UTC time>.db with bounded
# retries, and deleted locally whatever happens. Success is recorded as a node-exporter
# textfile metric; any failure exits non-zero, which systemd records for the unit.
# Every path can be overridden by the environment, which is how the tests run it.
set -euo pipefail

bucket="${K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET:?K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET must name the snapshot bucket}"
data_dir="${K8S_PLATFORM_ETCD_DATA_DIR:-/var/lib/etcd}"
etcd_pki="${K8S_PLATFORM_ETCD_PKI_DIR:-/etc/kubernetes/pki/etcd}"
metrics_dir="${K8S_PLATFORM_METRICS_DIR:-/var/lib/k8s-platform/metrics}"
# Uploads: 5 attempts, waiting 15, 30, 60 and 120 s between them (at most 240 s each).
upload_attempts=5
retry_base_seconds=15
retry_max_seconds=240

metric=k8s_platform_etcd_snapshot_last_success_timestamp_seconds
metric_file="$metrics_dir/etcd-snapshot.prom"

fail() {
  echo "etcd-snapshot: $*" >&2
  exit 1
}

container="$(crictl ps --name '^etcd$' --state running -q | head -n 1)"
[[ -n "$container" ]] || fail "no running etcd container (crictl ps --name ^etcd$)"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
snapshot="$data_dir/k8s-platform-snapshot-$stamp.db"
object="gs://$bucket/etcd/$stamp.db"
# etcdctl writes <file>.part first and renames it when complete.
trap 'rm -f "$snapshot" "$snapshot.part"' EXIT

crictl exec "$container" etcdctl \
  --endpoints=https://127.0.0.1:2379 \
  --cacert="$etcd_pki/ca.crt" \
  --cert="$etcd_pki/healthcheck-client.crt" \
  --key="$etcd_pki/healthcheck-client.key" \
  snapshot save "$snapshot" || fail "etcdctl snapshot save failed"
[[ -s "$snapshot" ]] || fail "the snapshot $snapshot is missing or empty on the host"

# etcdutl where the image ships it (etcd 3.6 moved `snapshot status` there); etcd 3.5 images
# may carry only etcdctl, whose `snapshot status` still works there.
status="$(crictl exec "$container" etcdutl snapshot status "$snapshot" --write-out=json 2>/dev/null)" ||
  status="$(crictl exec "$container" etcdctl snapshot status "$snapshot" --write-out=json)" ||
  fail "snapshot status failed for $snapshot"
keys="$(sed -n 's/.*"totalKey":[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$status")"
[[ -n "$keys" && "$keys" -gt 0 ]] || fail "the snapshot holds no keys: $status"
echo "etcd-snapshot: $snapshot holds $keys keys"

delay="$retry_base_seconds"
for ((attempt = 1; ; attempt++)); do
  if gcloud storage cp "$snapshot" "$object"; then break; fi
  if ((attempt >= upload_attempts)); then
    fail "upload to $object failed $attempt times"
  fi
  echo "etcd-snapshot: upload attempt $attempt failed; next in $delay s" >&2
  sleep "$delay"
  delay=$((delay * 2 > retry_max_seconds ? retry_max_seconds : delay * 2))
done
echo "etcd-snapshot: uploaded $object"

install -d -m 0755 "$metrics_dir"
tmp="$(mktemp "$metrics_dir/.etcd-snapshot.XXXXXX")"
{
  echo "# HELP $metric When the last etcd snapshot reached Cloud Storage, Unix seconds."
  echo "# TYPE $metric gauge"
  echo "$metric $(date +%s)"
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$metric_file"
