// verify's etcd-restore part: an etcd snapshot restored for real. A kube-apiserver encrypting
// Secrets with the gcp control plane's own EncryptionConfiguration (secretbox) receives objects;
// etcdctl snapshots the live etcd; both servers stop; the snapshot is restored into a fresh data
// dir; a new etcd and API server (same key) start on it and every object is read back and
// compared. Self-tests: the same comparison must fail on an older snapshot (for the two later
// writes only) and under another key (for the Secret only, the API server never ready).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneScript } from '../../infra/cluster/gcp/bootstrap';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import {
  atRestProblems,
  diffRestored,
  encryptionConfigFrom,
  memberProblems,
  NS,
  OBJECTS,
  refOf,
  SECRET,
  secretboxWriteKey,
  selfTestProblems,
  Summary,
  summarize,
} from './etcd-restore';
import { EtcdMember, LocalCluster } from './local-cluster';
import { ProcessGroup } from './processes';

/** What the part found. */
export interface RestoreReport {
  /** `etcdctl version`'s first line. */
  readonly etcdctl: string;
  readonly passed: number;
  readonly failures: readonly string[];
  /** Objects compared after the restore. */
  readonly objects: number;
  /** Revision and key count of the snapshot restored. */
  readonly snapshot: { readonly revision: number; readonly keys: number };
  readonly seconds: number;
}

interface Run {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function etcdctl(args: readonly string[], endpoint?: string): Run {
  const run = spawnSync('etcdctl', [...(endpoint ? [`--endpoints=${endpoint}`] : []), ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  if (run.error) throw new Error(`etcdctl: ${run.error.message} (apt-get install etcd-client)`);
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr.toString().trim() };
}

function must(run: Run, what: string): Buffer {
  if (run.status !== 0) throw new Error(`${what}: ${run.stderr}`);
  return run.stdout;
}

/** The control plane's startup script, rendered with placeholder addresses: only its EncryptionConfiguration is read. */
function gcpEncryptionConfig(key: string): string {
  const script = controlPlaneScript({
    cluster: 'verify',
    project: 'verify',
    kubernetesVersion: KUBERNETES_VERSION,
    internalIp: '10.0.0.2',
    publicIp: '192.0.2.10',
    podCidr: '192.168.0.0/16',
    serviceCidr: '10.96.0.0/12',
    caCertPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----',
  });
  return encryptionConfigFrom(script, key);
}

function create(cluster: LocalCluster, object: Record<string, unknown>): void {
  const run = cluster.kubectl(
    ['apply', '--server-side', '--field-manager=verify', '-f', '-'],
    object,
  );
  if (run.status !== 0) throw new Error(`writing ${JSON.stringify(object.kind)}: ${run.stderr}`);
}

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

/** The objects that exist at the early snapshot. */
function writeEarly(cluster: LocalCluster, token: string): void {
  create(cluster, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS, labels: { 'k8s-platform/check': 'etcd-restore' } },
  });
  create(cluster, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'restore-check-reader' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  });
  create(cluster, configMap('settings', { mode: 'early', replicas: '3' }));
  // The value goes through stdin only: never in an argument list or a log.
  create(cluster, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: SECRET, namespace: NS },
    stringData: { token },
  });
}

function readAll(cluster: LocalCluster): Map<string, Summary | string> {
  const found = new Map<string, Summary | string>();
  for (const o of OBJECTS) {
    const ns = 'namespace' in o ? ['-n', o.namespace] : [];
    const run = cluster.kubectl(['get', o.kind, o.name, ...ns, '-o', 'json']);
    const ref = refOf(o.kind, o.name, 'namespace' in o ? o.namespace : undefined);
    found.set(ref, run.status === 0 ? summarize(JSON.parse(run.stdout) as object) : run.stderr);
  }
  return found;
}

function snapshot(cluster: LocalCluster, file: string): { revision: number; keys: number } {
  must(etcdctl(['snapshot', 'save', file], cluster.etcd.clientUrl), 'etcdctl snapshot save');
  const status = must(
    etcdctl(['snapshot', 'status', file, '-w', 'json']),
    'etcdctl snapshot status',
  );
  const parsed = JSON.parse(status.toString()) as { revision: number; totalKey: number };
  return { revision: parsed.revision, keys: parsed.totalKey };
}

/** Restores a snapshot into the member's data dir, which must not exist yet. */
function restoreInto(file: string, m: EtcdMember): void {
  if (existsSync(m.dataDir)) throw new Error(`restore: ${m.dataDir} already exists`);
  must(
    etcdctl([
      'snapshot',
      'restore',
      file,
      `--data-dir=${m.dataDir}`,
      `--name=${m.name}`,
      `--initial-cluster=${m.name}=${m.peerUrl}`,
      `--initial-advertise-peer-urls=${m.peerUrl}`,
    ]),
    `etcdctl snapshot restore ${file}`,
  );
}

/** Runs the whole part; `owner` adopts every server as it starts, so SIGINT and exit stop them too. */
export async function checkEtcdRestore(
  owner: ProcessGroup,
  apiserverBinary: string,
): Promise<RestoreReport> {
  const started = Date.now();
  const version = etcdctl(['version']).stdout.toString().split('\n')[0] ?? '';
  const work = owner.scratch('etcd-restore');
  const config = gcpEncryptionConfig(randomBytes(32).toString('base64'));
  const token = randomBytes(24).toString('hex');
  const [early, final] = [join(work, 'early.db'), join(work, 'final.db')];
  const failures: string[] = [];
  let passed = 0;
  const check = (problems: readonly string[]) => {
    failures.push(...problems);
    if (problems.length === 0) passed++;
  };
  const startOn = async (
    stage: string,
    encryptionConfig: string,
    file?: string,
    waitFor?: '/livez',
  ): Promise<LocalCluster> => {
    const seedEtcd = file ? (m: EtcdMember) => restoreInto(file, m) : undefined;
    try {
      return await LocalCluster.start(apiserverBinary, {
        encryptionConfig,
        seedEtcd,
        waitFor,
        owner,
      });
    } catch (error) {
      throw new Error(`${stage}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  // 1. The live cluster: objects, an early snapshot, later writes, the snapshot to restore.
  const source = await startOn('the live cluster', config);
  writeEarly(source, token);
  snapshot(source, early);
  create(source, configMap('settings', { mode: 'late', replicas: '3' }));
  create(source, configMap('written-late', { written: 'after the early snapshot' }));
  const live = readAll(source);
  const expected = [...live.values()].filter((s): s is Summary => typeof s !== 'string');
  if (expected.length !== OBJECTS.length)
    throw new Error(
      `live read: ${[...live.values()].filter((s) => typeof s === 'string').join('; ')}`,
    );
  const liveSecret = live.get(refOf('Secret', SECRET, NS)) as Summary;
  check(
    (liveSecret.content as Record<string, string>).token === token
      ? []
      : [`the live Secret's token is not the value written`],
  );
  const stats = snapshot(source, final);
  await source.stopAndWait();

  // 2. A new etcd on a fresh data dir restored from the snapshot, a new API server, same key.
  const restored = await startOn('the restored cluster', config, final);
  const readBack = readAll(restored);
  for (const e of expected) check(diffRestored([e], readBack));
  const raw = etcdctl(
    ['get', `/registry/secrets/${NS}/${SECRET}`, '--print-value-only'],
    restored.etcd.clientUrl,
  );
  check(
    raw.status === 0
      ? atRestProblems(raw.stdout, secretboxWriteKey(config), [token]).map(
          (p) => `Secret at rest: ${p}`,
        )
      : [`etcdctl get: ${raw.stderr}`],
  );
  const members = etcdctl(['member', 'list', '-w', 'json'], restored.etcd.clientUrl);
  check(memberProblems(members.stdout.toString(), restored.etcd).map((p) => `etcd member: ${p}`));
  const write = restored.kubectl([
    'create',
    'configmap',
    'after-restore',
    '-n',
    NS,
    '--from-literal=written=after',
  ]);
  check(write.status === 0 ? [] : [`a write after the restore failed: ${write.stderr}`]);
  await restored.stopAndWait();

  // Self-tests: the same comparison must fail on an older snapshot and under another key.
  const older = await startOn('self-test, the older snapshot', config, early);
  const olderProblems = diffRestored(expected, readAll(older));
  await older.stopAndWait();
  const otherConfig = gcpEncryptionConfig(randomBytes(32).toString('base64'));
  const otherKey = await startOn('self-test, another key', otherConfig, final, '/livez');
  const otherKeyProblems = diffRestored(expected, readAll(otherKey));
  const readyz = otherKey.kubectl(['get', '--raw', '/readyz?verbose']);
  await otherKey.stopAndWait();
  failures.push(
    ...selfTestProblems(olderProblems, otherKeyProblems, `${readyz.stdout}${readyz.stderr}`),
  );

  return {
    etcdctl: version,
    passed,
    failures,
    objects: expected.length,
    snapshot: stats,
    seconds: (Date.now() - started) / 1000,
  };
}

/** verify's one-line account of the part. */
export function describeRestore(r: RestoreReport): string {
  return (
    `verify: etcd-restore: ${r.etcdctl}: a snapshot at revision ${r.snapshot.revision} (${r.snapshot.keys} keys) ` +
    `restored into a fresh data dir; a new etcd and kube-apiserver (the gcp secretbox EncryptionConfiguration, same key) ` +
    `return ${r.objects} objects with their uids and data, the Secret encrypted at rest, one member, writable; ` +
    `self-tests: an older snapshot fails for the two later writes, another key for the Secret (never ready: informer-sync); ` +
    `${r.passed} checks passed in ${r.seconds.toFixed(1)} s (${r.failures.length === 0 ? 'ok' : 'FAILED'})`
  );
}
