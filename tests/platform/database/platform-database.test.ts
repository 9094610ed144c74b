import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../../infra/cluster/cluster';
import { GOOGLE_APIS, GoogleApi } from '../../../infra/cluster/gcp/apis';
import { EnvironmentName } from '../../../infra/config/environments';
import { Platform, PLATFORM_NAMESPACES } from '../../../infra/platform/platform';
import {
  dependencyRecorder,
  recordResources,
  Registered,
  settled,
  valueOf,
} from '../../support/pulumi-mocks';

// The platform's PostgreSQL under Pulumi mocks: the operator and the database charts, the
// owner's Secret (the value Vault serves), and on gcp the backup bucket, its one identity and the
// key's Secret.

const registered: Registered[] = recordResources('k8s-platform', 'test', (args) =>
  args.type === 'gcp:storage/bucket:Bucket'
    ? { ...args.inputs, name: `${args.name}-0a1b2c3` }
    : undefined,
);
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const dir = mkdtempSync(join(tmpdir(), 'platform-database-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
  'users: [{name: u, user: {token: "t"}}]',
  'contexts: [{name: minikube, context: {cluster: c, user: u}}, {name: k8s-platform, context: {cluster: c, user: u}}]',
  '',
].join('\n');
writeFileSync(join(dir, 'config'), kubeconfig);

const clusterReady = new k8s.core.v1.ConfigMap('cluster-ready', {});
const API_STAND_INS = Object.fromEntries(
  (Object.keys(GOOGLE_APIS) as GoogleApi[]).map((key) => [
    key,
    new pulumi.ComponentResource('test:index:ApiEnablement', `api-${key}`),
  ]),
) as unknown as Record<GoogleApi, pulumi.Resource>;

const MINIKUBE: Cluster['networking'] = {
  kind: 'minikube',
  metallbPool: '192.168.49.200-192.168.49.250',
};
const GCP: Cluster['networking'] = {
  kind: 'gcp',
  clusterName: 'k8s-platform',
  workerServiceAccountEmail: 'k8s-platform-worker@test-project.iam.gserviceaccount.com',
  project: 'test-project',
  region: 'europe-west1',
  metallbPoolRange: '10.40.0.0/24',
  ingressAddress: '34.1.2.3',
  apis: API_STAND_INS,
  kubeletServing: {
    nodeNameRegex: '^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$',
    nodeSubnet: '10.10.0.0/24',
  },
};

async function build(networking: Cluster['networking'], environment: EnvironmentName) {
  registered.length = 0;
  const recorder = dependencyRecorder(
    new Map<pulumi.Resource, string>([
      [clusterReady, 'cluster-ready'],
      ...Object.entries(API_STAND_INS).map(
        ([k, r]) => [r, `api-${k}`] as [pulumi.Resource, string],
      ),
    ]),
  );
  // The one Output the program hands both Vault and the database.
  const password = pulumi.secret('d4tabase-pass');
  const gcp = networking.kind === 'gcp';
  const platform = new Platform(
    'platform',
    {
      cluster: {
        provider: new k8s.Provider(`stand-in-${networking.kind}`, { kubeconfig: 'stand-in' }),
        kubeconfig: gcp ? { content: pulumi.secret(kubeconfig) } : { path: join(dir, 'config') },
        context: gcp ? 'k8s-platform' : 'minikube',
        networking,
        ready: [clusterReady],
      },
      ...(gcp
        ? {
            certificates: {
              issuer: 'acme' as const,
              email: 'platform@acme-platform.dev',
              server: 'production' as const,
            },
          }
        : {}),
      environment,
      databasePassword: password,
    },
    { transformations: [recorder.transformation] },
  );
  await valueOf(platform.ingressAddress);
  await settled();
  const byName = (name: string, type = ''): Registered => {
    const found = registered.find((r) => r.name === name && r.type.includes(type));
    if (!found) throw new Error(`no resource ${name}`);
    return found;
  };
  const files = (name: string): Promise<string[]> =>
    Promise.all(
      ((byName(name, 'helm.sh').inputs.valueYamlFiles ?? []) as pulumi.asset.FileAsset[]).map(
        (f) => f.path,
      ),
    );
  return { platform, recorder, byName, files };
}

describe('the database on minikube (dev)', () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build(MINIKUBE, 'dev');
  });

  it('installs the operator from its wrapper chart, after the Prometheus CRDs', () => {
    const operator = built.byName('cloudnative-pg', 'helm.sh');
    expect(operator.type).toBe('kubernetes:helm.sh/v4:Chart');
    expect(operator.inputs).toMatchObject({
      chart: 'charts/cloudnative-pg',
      namespace: 'cnpg-system',
      dependencyUpdate: true,
    });
    expect(built.recorder.dependsOn.get('cloudnative-pg')).toEqual(
      expect.arrayContaining(['cluster-ready', 'prometheus-operator-crds', 'cnpg-system']),
    );
  });

  it('installs the database after the operator and the Secret, with the dev values and no backups', async () => {
    const database = built.byName('spring-api-database', 'helm.sh');
    expect(database.type).toBe('kubernetes:helm.sh/v4:Chart');
    expect(database.inputs.namespace).toBe('databases');
    expect(await built.files('spring-api-database')).toEqual([
      'charts/spring-api-database/values-minikube.yaml',
      'charts/spring-api-database/values-dev.yaml',
    ]);
    expect(database.inputs.values).toEqual({});
    expect(built.recorder.dependsOn.get('spring-api-database')).toEqual([
      'cluster-ready',
      'cloudnative-pg',
      'prometheus-operator-crds',
      'spring-api-db-app',
    ]);
  });

  it('gives the owner the password Vault serves, in a basic-auth Secret, as a secret', () => {
    const secret = built.byName('spring-api-db-app', 'Secret');
    expect(secret.inputs.metadata).toMatchObject({
      name: 'spring-api-db-app',
      namespace: 'databases',
    });
    expect(secret.inputs.type).toBe('kubernetes.io/basic-auth');
    expect(secret.inputs.stringData[SECRET_SIG]).toBeDefined();
    expect(secret.inputs.stringData.value).toEqual({
      username: 'spring_api',
      password: 'd4tabase-pass',
    });
    // That the program hands Vault the same Output: tests/infra/index.test.ts.
  });

  it('runs the operator and the database under Pod Security restricted', () => {
    for (const ns of ['cnpg-system', 'databases']) {
      expect([ns, PLATFORM_NAMESPACES[ns]]).toEqual([ns, 'restricted']);
      const labels = built.byName(ns, 'Namespace').inputs.metadata.labels as Record<string, string>;
      expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  it('keeps no backups: no bucket, no identity, no credentials', () => {
    expect(registered.filter((r) => r.type.startsWith('gcp:'))).toEqual([]);
    expect(registered.some((r) => r.name === 'spring-api-db-backup-gcs')).toBe(false);
    expect(built.platform.databaseBackupBucket).toBeUndefined();
  });
});

describe('the database on gcp (prod)', () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build(GCP, 'prod');
  });

  it('creates a protected, private, unversioned bucket that deletes objects a week past the retention', () => {
    const bucket = built.byName('k8s-platform-db-backups', 'storage/bucket');
    expect(bucket.inputs).toEqual({
      location: 'europe-west1',
      project: 'test-project',
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: false },
      forceDestroy: false,
      // retentionPolicy 14d in charts/spring-api-database/values.yaml, plus 7 days.
      lifecycleRules: [{ action: { type: 'Delete' }, condition: { age: 21 } }],
    });
    expect(built.recorder.opts.get('k8s-platform-db-backups')?.protect).toBe(true);
  });

  it('grants the bucket to one dedicated service account, on the bucket only', () => {
    const member = 'serviceAccount:db-backup-test@test-project.iam.gserviceaccount.com';
    const onBucket = registered.filter(
      (r) => r.type.startsWith('gcp:storage/bucketIAM') && r.name.startsWith('db-backup'),
    );
    expect(onBucket.map((r) => [r.type, r.inputs.bucket, r.inputs.role, r.inputs.member])).toEqual([
      ['gcp:storage/bucketIAMMember:BucketIAMMember', 'k8s-platform-db-backups-0a1b2c3', 'roles/storage.objectAdmin', member],
      ['gcp:storage/bucketIAMMember:BucketIAMMember', 'k8s-platform-db-backups-0a1b2c3', 'roles/storage.legacyBucketReader', member],
    ]); // prettier-ignore
    // Nothing else names that account or that bucket: no project role, no other grant.
    const mentions = registered.filter((r) => JSON.stringify(r.inputs).includes('db-backup-test@'));
    expect(mentions.map((r) => r.name).sort()).toEqual([
      'db-backup-legacyBucketReader',
      'db-backup-objectAdmin',
    ]);
    const onThatBucket = registered.filter(
      (r) => r.type.includes('IAM') && r.inputs.bucket === 'k8s-platform-db-backups-0a1b2c3',
    );
    expect(onThatBucket).toHaveLength(2);
  });

  it('creates each Google resource once its API is enabled', () => {
    const deps = (type: string, name: string) =>
      built.recorder.typedDependsOn.get(`${type} ${name}`) ?? [`no ${type} ${name}`];
    expect(deps('gcp:storage/bucket:Bucket', 'k8s-platform-db-backups')).toEqual(['api-storage']);
    expect(deps('gcp:storage/bucketIAMMember:BucketIAMMember', 'db-backup-objectAdmin')).toEqual([
      'api-storage',
    ]);
    expect(
      deps('gcp:storage/bucketIAMMember:BucketIAMMember', 'db-backup-legacyBucketReader'),
    ).toEqual(['api-storage']);
    expect(deps('gcp:serviceaccount/account:Account', 'db-backup')).toEqual(['api-iam']);
    expect(deps('gcp:serviceaccount/key:Key', 'db-backup')).toEqual(['api-iam']);
  });

  it('puts the key in Secret spring-api-db-backup-gcs only, as a secret', async () => {
    const secret = built.byName('spring-api-db-backup-gcs', 'Secret');
    expect(secret.inputs.metadata).toMatchObject({ namespace: 'databases' });
    const props = built.recorder.props.get('spring-api-db-backup-gcs') as {
      data: Record<string, pulumi.Output<string>>;
    };
    expect(await pulumi.isSecret(props.data['credentials.json'])).toBe(true);
    // The engine gets the whole data map as a secret: the key file, and nothing else.
    expect(secret.inputs.data[SECRET_SIG]).toBeDefined();
    expect(secret.inputs.data.value).toEqual({
      'credentials.json': Buffer.from('{"type":"service_account"}').toString('base64'),
    });
  });

  it('points barman at the bucket and installs the prod values after the credentials and storage', async () => {
    const database = built.byName('spring-api-database', 'helm.sh');
    expect(await built.files('spring-api-database')).toEqual([
      'charts/spring-api-database/values-gcp.yaml',
      'charts/spring-api-database/values-prod.yaml',
    ]);
    expect(database.inputs.values).toEqual({
      backup: { destinationPath: 'gs://k8s-platform-db-backups-0a1b2c3' },
    });
    expect(built.recorder.dependsOn.get('spring-api-database')).toEqual(
      expect.arrayContaining([
        'cloudnative-pg',
        'prometheus-operator-crds',
        'spring-api-db-app',
        'spring-api-db-backup-gcs',
        'gce-pd-csi-driver',
        'pd-balanced',
      ]),
    );
    expect(await valueOf(built.platform.databaseBackupBucket!)).toBe(
      'k8s-platform-db-backups-0a1b2c3',
    );
  });
});
