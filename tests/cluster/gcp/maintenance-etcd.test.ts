import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  controlPlaneMaintenance,
  ETCD_METRICS_FILE,
  ETCD_SNAPSHOT_METRIC,
  MAINTENANCE_PATHS,
} from '../../../infra/cluster/gcp/maintenance';
import { calls, executable, heredocs, run, samples } from '../../support/shell-fakes';
import { useTempDir } from '../../support/temp-dir';

// The snapshot script as the fragment installs it, run for real with fake crictl and gcloud
// on PATH. The fake etcdctl writes the snapshot where the real one would (etcd's data folder,
// shared with the host); the fake gcloud records whether the file was there when uploaded; a
// fake sleep records the backoff.
const installed = heredocs(
  controlPlaneMaintenance({
    cluster: 'k8s-platform',
    project: 'acme-platform-1',
    etcdSnapshotBucket: 'acme-etcd-snapshots',
  }),
).get(MAINTENANCE_PATHS.etcdSnapshot)!;

const FAKE_CRICTL = `#!/usr/bin/env bash
set -euo pipefail
echo "crictl $*" >>"$CALLS"
case "$1" in
  ps) if [[ -z "\${FAKE_NO_ETCD:-}" ]]; then echo 3f2a9c; fi ;;
  exec)
    if [[ "$*" == *" snapshot save "* ]]; then
      file="\${*: -1}"
      printf 'bolt' >"$file.part"
      mv "$file.part" "$file"
    elif [[ "$3" == etcdutl && -n "\${FAKE_NO_ETCDUTL:-}" ]]; then
      echo 'exec failed: "etcdutl": executable file not found in $PATH' >&2
      exit 1
    else
      echo "{\\"hash\\":1,\\"revision\\":42,\\"totalKey\\":\${FAKE_KEYS:-17},\\"totalSize\\":4096}"
    fi
    ;;
esac
`;

// Fails its first FAKE_UPLOAD_FAILURES uploads.
const FAKE_GCLOUD = `#!/usr/bin/env bash
set -euo pipefail
src="\${*: -2:1}"
present=missing
if [[ -s "$src" ]]; then present=present; fi
echo "gcloud $* ($present)" >>"$CALLS"
n=$(grep -c '^gcloud' "$CALLS")
if ((n <= \${FAKE_UPLOAD_FAILURES:-0})); then echo "503 from storage" >&2; exit 1; fi
`;

describe('etcd-snapshot (installed by controlPlaneMaintenance)', () => {
  const temp = useTempDir('etcd-snapshot');

  function setUp() {
    const root = temp();
    const env = {
      K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET: 'acme-etcd-snapshots',
      K8S_PLATFORM_ETCD_DATA_DIR: join(root, 'etcd'),
      K8S_PLATFORM_METRICS_DIR: join(root, 'metrics'),
      CALLS: join(root, 'calls'),
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
    };
    executable(join(root, 'bin', 'crictl'), FAKE_CRICTL);
    executable(join(root, 'bin', 'gcloud'), FAKE_GCLOUD);
    // The backoff's waits are recorded, not waited.
    executable(join(root, 'bin', 'sleep'), '#!/usr/bin/env bash\necho "sleep $*" >>"$CALLS"\n');
    executable(join(env.K8S_PLATFORM_ETCD_DATA_DIR, '.keep'), '');
    const script = executable(join(root, 'etcd-snapshot'), installed);
    return { env, script, metricFile: join(env.K8S_PLATFORM_METRICS_DIR, 'etcd-snapshot.prom') };
  }

  const dataFiles = (dir: string) => readdirSync(dir).filter((f) => f !== '.keep');

  it('saves with the etcd client certificates, checks, uploads as etcd/<UTC time>.db, cleans up', () => {
    const s = setUp();
    const before = Math.floor(Date.now() / 1000);
    const r = run(s.script, s.env);
    const after = Math.ceil(Date.now() / 1000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const log = calls(s.env.CALLS);
    expect(log[0]).toBe('crictl ps --name ^etcd$ --state running -q');
    const save = /^crictl exec 3f2a9c etcdctl (.*) snapshot save (\S+)$/.exec(log[1]);
    expect(save?.[1]).toBe(
      [
        '--endpoints=https://127.0.0.1:2379',
        '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
        '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
        '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
      ].join(' '),
    );
    const local = save![2];
    expect(log[2]).toBe(`crictl exec 3f2a9c etcdutl snapshot status ${local} --write-out=json`);
    const upload = /^gcloud storage cp (\S+) (\S+) \((\w+)\)$/.exec(log[3]);
    expect(upload?.[1]).toBe(local);
    expect(upload?.[3]).toBe('present');
    expect(log).toHaveLength(4);

    const object = /^gs:\/\/acme-etcd-snapshots\/etcd\/(\d{8}T\d{6}Z)\.db$/.exec(upload![2]);
    expect(object).not.toBeNull();
    const time = object![1];
    const stamp =
      Date.parse(
        `${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}T${time.slice(9, 11)}:${time.slice(11, 13)}:${time.slice(13, 15)}Z`,
      ) / 1000;
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
    expect(local).toBe(join(s.env.K8S_PLATFORM_ETCD_DATA_DIR, `k8s-platform-snapshot-${time}.db`));

    expect(dataFiles(s.env.K8S_PLATFORM_ETCD_DATA_DIR)).toEqual([]);
    expect(ETCD_METRICS_FILE).toBe('/var/lib/k8s-platform/metrics/etcd-snapshot.prom');
    const value = samples(readFileSync(s.metricFile, 'utf8')).get(ETCD_SNAPSHOT_METRIC)!;
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(after);
    expect(statSync(s.metricFile).mode & 0o777).toBe(0o644);
    expect(readdirSync(s.env.K8S_PLATFORM_METRICS_DIR)).toEqual(['etcd-snapshot.prom']);
  });

  it('retries a failed upload with backoff and succeeds', () => {
    const s = setUp();
    const r = run(s.script, { ...s.env, FAKE_UPLOAD_FAILURES: '2' });
    expect(r.status).toBe(0);
    expect(calls(s.env.CALLS).filter((l) => l.startsWith('gcloud'))).toHaveLength(3);
    expect(r.stderr).toContain('etcd-snapshot: upload attempt 1 failed; next in 15 s');
    expect(r.stderr).toContain('etcd-snapshot: upload attempt 2 failed; next in 30 s');
    expect(calls(s.env.CALLS).filter((l) => l.startsWith('sleep'))).toEqual([
      'sleep 15',
      'sleep 30',
    ]);
    expect(existsSync(s.metricFile)).toBe(true);
  });

  it('gives up after 5 uploads with doubling waits: exits 1, records no success, still deletes the local file', () => {
    const s = setUp();
    const r = run(s.script, { ...s.env, FAKE_UPLOAD_FAILURES: '99' });
    expect(r.status).toBe(1);
    expect(calls(s.env.CALLS).filter((l) => l.startsWith('gcloud'))).toHaveLength(5);
    // Doubling from 15 s, at most 240 s: about four minutes in all, then the unit fails.
    expect(calls(s.env.CALLS).filter((l) => l.startsWith('sleep'))).toEqual([
      'sleep 15',
      'sleep 30',
      'sleep 60',
      'sleep 120',
    ]);
    expect(r.stderr).toMatch(
      /etcd-snapshot: upload to gs:\/\/acme-etcd-snapshots\/etcd\/\d{8}T\d{6}Z\.db failed 5 times\n$/,
    );
    expect(existsSync(s.metricFile)).toBe(false);
    expect(dataFiles(s.env.K8S_PLATFORM_ETCD_DATA_DIR)).toEqual([]);
  });

  it("checks with etcdctl's snapshot status where the image has no etcdutl", () => {
    const s = setUp();
    const r = run(s.script, { ...s.env, FAKE_NO_ETCDUTL: '1' });
    expect(r.status).toBe(0);
    const log = calls(s.env.CALLS);
    const local = /snapshot save (\S+)$/.exec(log[1])?.[1];
    expect(log.slice(2, 4)).toEqual([
      `crictl exec 3f2a9c etcdutl snapshot status ${local} --write-out=json`,
      `crictl exec 3f2a9c etcdctl snapshot status ${local} --write-out=json`,
    ]);
    expect(log[4]).toMatch(/^gcloud storage cp /);
  });

  it('uploads nothing from a snapshot without keys', () => {
    const s = setUp();
    const r = run(s.script, { ...s.env, FAKE_KEYS: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('etcd-snapshot: the snapshot holds no keys: {"hash":1');
    expect(calls(s.env.CALLS).filter((l) => l.startsWith('gcloud'))).toEqual([]);
    expect(dataFiles(s.env.K8S_PLATFORM_ETCD_DATA_DIR)).toEqual([]);
    expect(existsSync(s.metricFile)).toBe(false);
  });

  it('fails clearly when etcd is not running, and when no bucket is configured', () => {
    const s = setUp();
    const r = run(s.script, { ...s.env, FAKE_NO_ETCD: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('etcd-snapshot: no running etcd container (crictl ps --name ^etcd$)\n');
    const noBucket = run(s.script, { ...s.env, K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET: '' });
    expect(noBucket.status).toBe(1);
    expect(noBucket.stderr).toContain(
      'K8S_PLATFORM_ETCD_SNAPSHOT_BUCKET must name the snapshot bucket',
    );
  });
});
