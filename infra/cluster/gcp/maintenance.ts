// Day 2 on the kubeadm control plane: a bash fragment for the control plane's startup script
// (after `kubeadm init` succeeded) that installs two systemd timers.
//   certificates: daily, expiry of every kubeadm certificate as a textfile metric; when one
//                 expires within CERT_RENEW_BEFORE_DAYS, `kubeadm certs renew all` and a
//                 restart of the control plane's static pods (maintenance/cert-renewal.sh);
//   etcd:         every ETCD_SNAPSHOT_INTERVAL_HOURS, a verified snapshot to Cloud Storage,
//                 with the last success as a textfile metric (maintenance/etcd-snapshot.sh).
// The kubelet's own client certificate needs neither: kubeadm sets the kubelet up to rotate it
// (kubelet.conf points at /var/lib/kubelet/pki/kubelet-client-current.pem).
// Every file is written through a quoted heredoc, so nothing in it is expanded at boot; the
// only rendered values (bucket, project) are validated here first.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_NAME } from '../../config/gcp-rules';
import { ConfigError, ConfigIssue } from '../../config/errors';

/** Where both scripts write node-exporter textfile metrics (point the textfile collector here). */
export const METRICS_DIR = '/var/lib/k8s-platform/metrics';
/** Gauge: notAfter of each kubeadm certificate, Unix seconds; label `certificate`. */
export const CERT_EXPIRY_METRIC = 'k8s_platform_certificate_expiry_timestamp_seconds';
export const CERT_METRICS_FILE = `${METRICS_DIR}/kubeadm-certificates.prom`;
/** Gauge: when the last etcd snapshot reached Cloud Storage, Unix seconds. */
export const ETCD_SNAPSHOT_METRIC = 'k8s_platform_etcd_snapshot_last_success_timestamp_seconds';
export const ETCD_METRICS_FILE = `${METRICS_DIR}/etcd-snapshot.prom`;

/** Renew every kubeadm certificate once one of them expires within this many days. */
export const CERT_RENEW_BEFORE_DAYS = 30;
/** systemd OnCalendar of the certificate check: once a day. */
export const CERT_CHECK_CALENDAR = 'daily';
export const ETCD_SNAPSHOT_INTERVAL_HOURS = 6;
/** systemd OnCalendar of the snapshots: 00:00, 06:00, 12:00 and 18:00 UTC. */
export const ETCD_SNAPSHOT_CALENDAR = `*-*-* 00/${ETCD_SNAPSHOT_INTERVAL_HOURS}:00:00 UTC`;
/** Snapshots are objects `gs://<bucket>/etcd/<YYYYMMDDTHHMMSSZ>.db`. */
export const ETCD_SNAPSHOT_PREFIX = 'etcd/';

/** The systemd units, by purpose (`<name>.service` and `<name>.timer`). */
export const MAINTENANCE_UNITS = {
  certificates: 'k8s-platform-cert-renewal',
  etcdSnapshot: 'k8s-platform-etcd-snapshot',
} as const;
/** Installed scripts and their shared environment file. */
export const MAINTENANCE_PATHS = {
  certificates: '/usr/local/sbin/k8s-platform-cert-renewal',
  etcdSnapshot: '/usr/local/sbin/k8s-platform-etcd-snapshot',
  environment: '/etc/k8s-platform/maintenance.env',
} as const;

export interface MaintenanceParams {
  readonly cluster: string;
  readonly project: string;
  /**
   * Bucket name without `gs://`. The control plane's service account needs
   * roles/storage.objectCreator and roles/storage.objectViewer on it (gcloud storage cp reads
   * the destination's metadata and lists its prefix before uploading).
   */
  readonly etcdSnapshotBucket: string;
}

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

function validate(p: MaintenanceParams): void {
  const issues: ConfigIssue[] = [];
  const check = (ok: boolean, key: keyof MaintenanceParams, allowed: string) => {
    if (!ok) issues.push({ key: `controlPlaneMaintenance.${key}`, value: p[key], allowed });
  };
  check(
    CLUSTER_NAME.test(p.cluster),
    'cluster',
    '3 to 23 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit',
  );
  check(
    PROJECT.test(p.project),
    'project',
    'a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
  );
  const b = p.etcdSnapshotBucket;
  check(
    BUCKET.test(b) && !b.startsWith('goog') && !b.includes('google') && !b.includes('..'),
    'etcdSnapshotBucket',
    'a Cloud Storage bucket name without gs://: 3 to 63 lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, not starting with "goog" and not containing "google"',
  );
  if (issues.length > 0) throw new ConfigError(issues);
}

const script = (name: string) => readFileSync(join(__dirname, 'maintenance', name), 'utf8');

/** `cat >path <<'DELIM'` with a body that must not end the heredoc early. */
function quotedFile(path: string, delimiter: string, body: string): string {
  if (body.split('\n').includes(delimiter))
    throw new Error(`${path}: its text holds the heredoc delimiter ${delimiter} on a line`);
  return `cat >${path} <<'${delimiter}'\n${body.trimEnd()}\n${delimiter}`;
}

function units(p: MaintenanceParams): Record<string, string> {
  const service = (description: string, exec: string, timeout: string) => `[Unit]
Description=${description}
After=containerd.service kubelet.service

[Service]
Type=oneshot
EnvironmentFile=${MAINTENANCE_PATHS.environment}
ExecStart=${exec}
TimeoutStartSec=${timeout}
`;
  const timer = (description: string, calendar: string, delay: string) => `[Unit]
Description=${description}

[Timer]
OnCalendar=${calendar}
RandomizedDelaySec=${delay}
Persistent=true

[Install]
WantedBy=timers.target
`;
  const u = MAINTENANCE_UNITS;
  return {
    [`${u.certificates}.service`]: service(
      `k8s-platform: kubeadm certificate expiry metric, renewal within ${CERT_RENEW_BEFORE_DAYS} days`,
      MAINTENANCE_PATHS.certificates,
      // Above the script's own bound: four static pods, at most 5 + 5 minutes each.
      '1h',
    ),
    [`${u.certificates}.timer`]: timer(
      'k8s-platform: check kubeadm certificates daily',
      CERT_CHECK_CALENDAR,
      '1h',
    ),
    [`${u.etcdSnapshot}.service`]: service(
      `k8s-platform: etcd snapshot to gs://${p.etcdSnapshotBucket}/${ETCD_SNAPSHOT_PREFIX}`,
      MAINTENANCE_PATHS.etcdSnapshot,
      '1h',
    ),
    [`${u.etcdSnapshot}.timer`]: timer(
      `k8s-platform: etcd snapshot every ${ETCD_SNAPSHOT_INTERVAL_HOURS} hours`,
      ETCD_SNAPSHOT_CALENDAR,
      '10min',
    ),
  };
}

/** The environment both services read: the bucket, the metrics folder, the container runtime. */
function environment(p: MaintenanceParams): string {
  return `# Rendered by infra/cluster/gcp/maintenance.ts for the ${p.cluster} control plane.
K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET=${p.etcdSnapshotBucket}
K8S_PLATFORM_METRICS_DIR=${METRICS_DIR}
K8S_PLATFORM_RENEW_BEFORE_DAYS=${CERT_RENEW_BEFORE_DAYS}
CLOUDSDK_CORE_PROJECT=${p.project}
# One plain upload: parallel composite uploads (gcloud's default above 150 MiB) delete their
# temporary parts, a right the control plane is not given.
CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_ENABLED=False
CONTAINER_RUNTIME_ENDPOINT=unix:///run/containerd/containerd.sock
HOME=/root
`;
}

/**
 * The bash fragment the control plane's startup script runs as root, under `set -euo
 * pipefail`, after `kubeadm init` succeeded: scripts, units, timers enabled, and a first
 * certificate check started so the expiry metric exists from the first boot.
 */
export function controlPlaneMaintenance(p: MaintenanceParams): string {
  validate(p);
  const u = MAINTENANCE_UNITS;
  const unitFiles = Object.entries(units(p)).map(([name, text]) =>
    quotedFile(`/etc/systemd/system/${name}`, 'K8S_PLATFORM_UNIT', text),
  );
  return `
# Day 2: kubeadm certificate renewal and etcd snapshots (infra/cluster/gcp/maintenance.ts).
install -d -m 0755 ${METRICS_DIR} /etc/k8s-platform
${quotedFile(MAINTENANCE_PATHS.environment, 'K8S_PLATFORM_ENV', environment(p))}
${quotedFile(MAINTENANCE_PATHS.certificates, 'K8S_PLATFORM_CERT_RENEWAL', script('cert-renewal.sh'))}
${quotedFile(MAINTENANCE_PATHS.etcdSnapshot, 'K8S_PLATFORM_ETCD_SNAPSHOT', script('etcd-snapshot.sh'))}
chmod 0755 ${MAINTENANCE_PATHS.certificates} ${MAINTENANCE_PATHS.etcdSnapshot}
${unitFiles.join('\n')}
systemctl daemon-reload
systemctl enable --now ${u.certificates}.timer ${u.etcdSnapshot}.timer
systemctl start --no-block ${u.certificates}.service
`;
}
