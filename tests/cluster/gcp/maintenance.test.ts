import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CERT_CHECK_CALENDAR,
  CERT_RENEW_BEFORE_DAYS,
  controlPlaneMaintenance,
  ETCD_SNAPSHOT_CALENDAR,
  ETCD_SNAPSHOT_INTERVAL_HOURS,
  MAINTENANCE_PATHS,
  MAINTENANCE_UNITS,
  METRICS_DIR,
} from '../../../infra/cluster/gcp/maintenance';
import { executable, heredocs, shellcheck } from '../../support/shell-fakes';
import { useTempDir } from '../../support/temp-dir';

// The fragment itself: what it installs, that each file is what the repository holds, that
// systemd accepts the units, and that bad parameters stop it with a message naming the key.
const P = { cluster: 'k8s-platform', project: 'acme-platform-1', etcdSnapshotBucket: 'acme-etcd' };
const fragment = controlPlaneMaintenance(P);
const files = heredocs(fragment);
const scriptDir = resolve(__dirname, '../../../infra/cluster/gcp/maintenance');
const u = MAINTENANCE_UNITS;

describe('controlPlaneMaintenance', () => {
  const temp = useTempDir('maintenance');

  it('writes the environment, both scripts and four units, each through a quoted heredoc', () => {
    expect([...files.keys()]).toEqual([
      MAINTENANCE_PATHS.environment,
      MAINTENANCE_PATHS.certificates,
      MAINTENANCE_PATHS.etcdSnapshot,
      `/etc/systemd/system/${u.certificates}.service`,
      `/etc/systemd/system/${u.certificates}.timer`,
      `/etc/systemd/system/${u.etcdSnapshot}.service`,
      `/etc/systemd/system/${u.etcdSnapshot}.timer`,
    ]);
    // Every `cat >` of the fragment is one of those: none is written with expansion.
    expect(fragment.match(/^cat >/gm)).toHaveLength(files.size);
    expect(files.get(MAINTENANCE_PATHS.certificates)).toBe(
      readFileSync(join(scriptDir, 'cert-renewal.sh'), 'utf8'),
    );
    expect(files.get(MAINTENANCE_PATHS.etcdSnapshot)).toBe(
      readFileSync(join(scriptDir, 'etcd-snapshot.sh'), 'utf8'),
    );
  });

  it('enables both timers and starts a first certificate check without waiting for it', () => {
    expect(fragment).toContain(
      `systemctl enable --now ${u.certificates}.timer ${u.etcdSnapshot}.timer\n`,
    );
    expect(fragment).toContain(`systemctl start --no-block ${u.certificates}.service\n`);
    expect(fragment).toContain(`install -d -m 0755 ${METRICS_DIR} /etc/k8s-platform\n`);
  });

  it('is shellcheck clean, and so is each script it installs', () => {
    expect(shellcheck(`#!/usr/bin/env bash\nset -euo pipefail\n${fragment}`)).toBe('');
    expect(shellcheck(files.get(MAINTENANCE_PATHS.certificates)!)).toBe('');
    expect(shellcheck(files.get(MAINTENANCE_PATHS.etcdSnapshot)!)).toBe('');
  });

  it('gives the services the bucket, the metrics folder, the window and the runtime', () => {
    const env = Object.fromEntries(
      files
        .get(MAINTENANCE_PATHS.environment)!
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(env).toEqual({
      K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET: 'acme-etcd',
      K8S_PLATFORM_METRICS_DIR: '/var/lib/k8s-platform/metrics',
      K8S_PLATFORM_RENEW_BEFORE_DAYS: String(CERT_RENEW_BEFORE_DAYS),
      CLOUDSDK_CORE_PROJECT: 'acme-platform-1',
      CLOUDSDK_STORAGE_PARALLEL_COMPOSITE_UPLOAD_ENABLED: 'False',
      CONTAINER_RUNTIME_ENDPOINT: 'unix:///run/containerd/containerd.sock',
      HOME: '/root',
    });
  });

  it('has units systemd accepts: daily certificates, snapshots every 6 hours', () => {
    const dir = temp();
    for (const [path, text] of files) {
      const name = path.split('/').pop()!;
      // ExecStart must exist for `systemd-analyze verify`: point it at the temp copies.
      const local = text.replace(/ExecStart=\/usr\/local\/sbin\//, `ExecStart=${dir}/`);
      if (path.startsWith('/usr/local/sbin/')) executable(join(dir, name), text);
      else writeFileSync(join(dir, name), local);
    }
    const units = Object.values(u).flatMap((n) => [`${n}.timer`, `${n}.service`]);
    const verify = spawnSync('systemd-analyze', ['verify', ...units.map((n) => join(dir, n))], {
      encoding: 'utf8',
    });
    if (verify.error)
      throw new Error(
        `systemd-analyze is not installed (apt-get install systemd): ${verify.error.message}`,
      );
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);

    const timer = (n: string) => files.get(`/etc/systemd/system/${n}.timer`)!;
    expect(timer(u.certificates)).toContain(`OnCalendar=${CERT_CHECK_CALENDAR}\n`);
    expect(timer(u.etcdSnapshot)).toContain(`OnCalendar=${ETCD_SNAPSHOT_CALENDAR}\n`);
    const next = spawnSync(
      'systemd-analyze',
      ['calendar', '--iterations=3', ETCD_SNAPSHOT_CALENDAR],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
    );
    const times = [...next.stdout.matchAll(/(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+) UTC/g)].map(
      (m) => Date.parse(`${m[1].replace(' ', 'T')}Z`),
    );
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBe(ETCD_SNAPSHOT_INTERVAL_HOURS * 3600 * 1000);
    expect(times[2] - times[1]).toBe(ETCD_SNAPSHOT_INTERVAL_HOURS * 3600 * 1000);
    for (const n of Object.values(u)) {
      const service = files.get(`/etc/systemd/system/${n}.service`)!;
      expect(service).toContain('Type=oneshot\n');
      expect(service).toContain(`EnvironmentFile=${MAINTENANCE_PATHS.environment}\n`);
      expect(timer(n)).toContain('Persistent=true\n');
    }
    // The renewal may wait up to 5 + 5 minutes for each of four static pods.
    expect(files.get(`/etc/systemd/system/${u.certificates}.service`)).toContain(
      'TimeoutStartSec=1h\n',
    );
  });

  it('refuses bad parameters, naming each key, its value and what is allowed', () => {
    expect(() => controlPlaneMaintenance({ ...P, etcdSnapshotBucket: 'gs://acme-etcd' })).toThrow(
      'controlPlaneMaintenance.etcdSnapshotBucket = "gs://acme-etcd" is invalid: must be a Cloud Storage bucket name without gs://: 3 to 63 lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, not starting with "goog" and not containing "google"',
    );
    for (const bad of ['my-google-etcd', 'goog-etcd', 'Acme-Etcd', 'a', 'etcd-']) {
      expect(() => controlPlaneMaintenance({ ...P, etcdSnapshotBucket: bad })).toThrow(
        `controlPlaneMaintenance.etcdSnapshotBucket = "${bad}" is invalid`,
      );
    }
    expect(() =>
      controlPlaneMaintenance({ cluster: 'K8s', project: 'acme', etcdSnapshotBucket: 'ok-bucket' }),
    ).toThrow(
      [
        'controlPlaneMaintenance.cluster = "K8s" is invalid: must be 3 to 23 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit',
        'controlPlaneMaintenance.project = "acme" is invalid: must be a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
      ].join('\n'),
    );
  });
});
