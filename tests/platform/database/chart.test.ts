import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ClusterTarget, ENVIRONMENTS, EnvironmentName } from '../../../infra/config/environments';
import { PLATFORM_ENDPOINTS } from '../../../infra/config/platform';
import { checkCustomResources } from '../../../scripts/verify/crdcheck';
import { CHARTS_DIR, wrapperChart } from '../../../infra/platform/charts';
import { CHART_NAMESPACES } from '../../../infra/platform/platform';
import {
  DATABASE_APP_SECRET,
  DATABASE_BACKUP_SECRET,
  databaseChartValues,
  databaseValues,
  databaseValuesFiles,
} from '../../../infra/platform/database/settings';

// charts/spring-api-database is this repository's own templates: rendered here with the pinned
// helm, for both targets and every environment, with the values Pulumi computes.

const root = resolve(__dirname, '..', '..', '..');
const HELM = join(root, '.tools', 'bin', 'helm');
const CHART = join(CHARTS_DIR, 'spring-api-database');
const BUCKET = 'k8s-platform-db-backups-0a1b2c3';
type Doc = Record<string, any>;

const dir = mkdtempSync(join(tmpdir(), 'database-chart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The helm arguments Pulumi's release amounts to: its values files, then its computed values. */
function valueArgs(target: ClusterTarget, env: EnvironmentName, extra: string[] = []): string[] {
  const computed = join(dir, `${target}-${env}.yaml`);
  writeFileSync(computed, stringify(databaseChartValues(target, BUCKET)));
  return [
    ...databaseValuesFiles(target, env).flatMap((f) => ['-f', join(root, f)]),
    '-f',
    computed,
    ...extra,
  ];
}

function helm(args: string[]) {
  const r = spawnSync(HELM, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}`, err: `${r.stderr}` };
}

function render(target: ClusterTarget, env: EnvironmentName, extra: string[] = []): Doc[] {
  const r = helm([
    'template',
    'spring-api-database',
    CHART,
    '-n',
    'databases',
    ...valueArgs(target, env, extra),
  ]);
  if (r.status !== 0) throw new Error(r.err);
  return parseAllDocuments(r.out)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
}

const CASES = (['minikube', 'gcp'] as const).flatMap((t) =>
  ENVIRONMENTS.map((e) => [t, e] as const),
);

describe('the database chart', () => {
  it.each(CASES)('lints strictly on %s for %s', (target, env) => {
    const r = helm(['lint', '--strict', CHART, ...valueArgs(target, env)]);
    expect([r.status, r.err]).toEqual([0, '']);
  });

  it.each(CASES)(
    'renders on %s for %s the Cluster, its PodMonitor and alerts, and backups on gcp only',
    (target, env) => {
      const kinds = render(target, env).map((d) => `${d.kind}/${d.metadata.name}`);
      expect(kinds).toEqual([
        'Cluster/spring-api-db',
        'PodMonitor/spring-api-db',
        'PrometheusRule/spring-api-db',
        ...(target === 'gcp' ? ['ScheduledBackup/spring-api-db-daily'] : []),
      ]);
    },
  );

  // tools/crdcheck holds CloudNativePG 1.28.1's and prometheus-operator v0.93.1's Go types.
  it.each(CASES)("decodes strictly into the operators' API types on %s for %s", (target, env) => {
    const docs = render(target, env);
    expect(checkCustomResources(docs)).toEqual(docs.map(() => ({ status: 'ok' })));
  });

  it('decodes strictly: a misspelt field fails', () => {
    const [cluster] = render('gcp', 'prod');
    const broken = { ...cluster, spec: { ...cluster?.spec, instance: 3 } };
    expect(checkCustomResources([broken])).toEqual([
      { status: 'error', message: 'unknown field "spec.instance"' },
    ]);
  });

  it('uses the names the API points at, in the namespace the platform installs it into', () => {
    const db = PLATFORM_ENDPOINTS.database;
    const [cluster] = render('minikube', 'dev');
    expect(CHART_NAMESPACES['spring-api-database']).toBe(db.namespace);
    // CloudNativePG names the read-write Service <cluster>-rw and labels pods cnpg.io/cluster.
    expect(`${cluster?.metadata.name}-rw`).toBe(db.service);
    expect(db.podLabels).toEqual({ 'cnpg.io/cluster': cluster?.metadata.name });
    expect(db.port).toBe(5432);
    expect(cluster?.spec.bootstrap.initdb).toEqual({
      database: db.databaseName,
      owner: db.owner,
      secret: { name: DATABASE_APP_SECRET },
    });
  });

  it('runs one instance in dev and staging, three with a synchronous standby in prod', () => {
    const spec = (env: EnvironmentName) => render('gcp', env)[0]?.spec;
    expect(ENVIRONMENTS.map((env) => spec(env).instances)).toEqual([1, 1, 3]);
    expect(spec('prod').postgresql).toEqual({
      synchronous: { method: 'any', number: 1, dataDurability: 'required' },
    });
    expect(spec('staging').postgresql).toBeUndefined();
    expect(spec('prod').affinity.podAntiAffinityType).toBe('required');
    // CloudNativePG's PDBs (the primary's, and the replicas' from 3 instances) only in prod: a
    // single instance's PDB would block every drain.
    expect(ENVIRONMENTS.map((env) => spec(env).enablePDB)).toEqual([false, false, true]);
  });

  it('sets requests and a memory limit, and leaves storage to the default StorageClass', () => {
    for (const env of ENVIRONMENTS) {
      const spec = render('minikube', env)[0]?.spec;
      expect(spec.resources.requests).toEqual({
        cpu: expect.any(String),
        memory: spec.resources.limits.memory,
      });
      expect(spec.storage.storageClass).toBeUndefined();
      expect(spec.storage.size).toMatch(/^\d+Gi$/);
    }
  });

  it('archives WAL and backs up daily to the stack bucket on gcp, with the key Secret and a retention', () => {
    const [cluster, , rule, scheduled] = render('gcp', 'prod');
    expect(cluster?.spec.backup).toEqual({
      retentionPolicy: '14d',
      barmanObjectStore: {
        destinationPath: `gs://${BUCKET}`,
        googleCredentials: {
          applicationCredentials: { name: DATABASE_BACKUP_SECRET, key: 'credentials.json' },
        },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
    });
    expect(scheduled?.spec).toEqual({
      schedule: '0 0 3 * * *',
      immediate: true,
      method: 'barmanObjectStore',
      backupOwnerReference: 'self',
      cluster: { name: 'spring-api-db' },
    });
    expect(rule?.spec.groups.map((g: Doc) => g.name)).toEqual([
      'spring-api-database.alerts',
      'spring-api-database.backups',
    ]);
    const [minikube, , minikubeRule] = render('minikube', 'dev');
    expect(minikube?.spec.backup).toBeUndefined();
    expect(minikubeRule?.spec.groups.map((g: Doc) => g.name)).toEqual([
      'spring-api-database.alerts',
    ]);
  });

  it('bootstraps from the bucket to a point in time when asked, archiving under a new name', () => {
    const docs = render('gcp', 'prod', [
      '--set', 'recovery.enabled=true',
      '--set', 'recovery.targetTime=2026-12-01 09:30:00+00',
      '--set', 'backup.serverName=spring-api-db-r1',
    ]); // prettier-ignore
    const spec = docs[0]?.spec;
    expect(spec.bootstrap).toEqual({
      recovery: {
        source: 'spring-api-db',
        database: 'articles',
        owner: 'spring_api',
        secret: { name: DATABASE_APP_SECRET },
        recoveryTarget: { targetTime: '2026-12-01 09:30:00+00' },
      },
    });
    expect(spec.externalClusters).toEqual([
      {
        name: 'spring-api-db',
        barmanObjectStore: {
          destinationPath: `gs://${BUCKET}`,
          serverName: 'spring-api-db',
          googleCredentials: {
            applicationCredentials: { name: DATABASE_BACKUP_SECRET, key: 'credentials.json' },
          },
        },
      },
    ]);
    expect(spec.backup.barmanObjectStore.serverName).toBe('spring-api-db-r1');
    expect(checkCustomResources(docs)).toEqual(docs.map(() => ({ status: 'ok' })));
  });

  it('merges its values as Helm does, for the footprint', () => {
    expect(databaseValues('gcp', 'prod')).toMatchObject({
      instances: 3,
      backup: { enabled: true, retentionPolicy: '14d' },
      resources: { requests: { cpu: '500m', memory: '1Gi' } },
    });
    expect(databaseValues('minikube', 'dev')).toMatchObject({
      instances: 1,
      backup: { enabled: false },
    });
    expect(wrapperChart('spring-api-database').dependencies).toEqual([]);
  });

  describe('refuses bad values with the key, the value and what is allowed', () => {
    const error = (target: ClusterTarget, env: EnvironmentName, set: string[]) => {
      const r = helm([
        'template',
        'x',
        CHART,
        ...valueArgs(
          target,
          env,
          set.flatMap((s) => ['--set', s]),
        ),
      ]);
      expect(r.status).not.toBe(0);
      return /execution error at \([^)]*\): (.*)/.exec(r.err)?.[1];
    };
    it.each([
      ['instances=0', 'instances = 0 is invalid: must be an integer from 1 to 9'],
      [
        'instances=1',
        'synchronous.number = 1 is invalid: must be an integer of at least 1 and below instances (1): each synchronous standby is another instance',
      ],
      ['synchronous.method=all', 'synchronous.method = "all" is invalid: must be "any" or "first"'],
      [
        'podAntiAffinityType=soft',
        'podAntiAffinityType = "soft" is invalid: must be "preferred" or "required"',
      ],
      [
        'backup.destinationPath=s3://bucket',
        'backup.destinationPath = "s3://bucket" is invalid: must be gs://<bucket>[/<path>], the Cloud Storage bucket the gcp stack creates (pulumi stack output databaseBackupBucket)',
      ],
      [
        'backup.retentionPolicy=2y',
        'backup.retentionPolicy = "2y" is invalid: must be a number of days, weeks or months such as "14d"',
      ],
    ])('%s', (set, message) => {
      expect(error('gcp', 'prod', [set])).toBe(message);
    });

    it('a restore that would archive over the backups it reads, or without a bucket', () => {
      expect(error('gcp', 'prod', ['recovery.enabled=true'])).toBe(
        'backup.serverName = "spring-api-db" is invalid: must differ from recovery.sourceServerName (spring-api-db): a restored cluster archives under a new name, the backups it comes from stay as they are',
      );
      expect(error('minikube', 'dev', ['recovery.enabled=true'])).toBe(
        'recovery.enabled = true is invalid: must come with backup.enabled (the bucket and its key the backups are read from; gcp only)',
      );
    });

    it('a gcp install without the bucket', () => {
      const r = helm(['template', 'x', CHART, '-f', join(CHART, 'values-gcp.yaml')]);
      expect(r.err).toContain(
        'backup.destinationPath = "" is invalid: must be gs://<bucket>[/<path>]',
      );
    });
  });
});
