// Where the database's WAL archive and base backups go on gcp: a Cloud Storage bucket the stack
// creates, reachable by one service account that exists for nothing else (granted on the bucket
// only, nothing on the project). Its key file is the only credential: a Pulumi secret, and the
// Secret databases/spring-api-db-backup-gcs that the database pods read (pods cannot use the
// workers' identity: infra/cluster/gcp/metadata-block.ts keeps them off the metadata server).
// Barman's retentionPolicy prunes the backups; the bucket's lifecycle rule is the safety net that
// deletes what barman would have kept past the retention window plus a margin.
import * as gcp from '@pulumi/gcp';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { GcpNetworking } from '../../cluster/cluster';
import { needing } from '../../cluster/gcp/apis';
import { DATABASE_BACKUP_SECRET } from './settings';

/**
 * What barman-cloud needs on the bucket: read, write, list and delete objects (WAL segments,
 * base backups, and the deletions its retention policy makes), and the bucket's metadata
 * (storage.buckets.get: barman checks the bucket exists before it archives anything).
 */
export const DATABASE_BACKUP_ROLES = [
  'roles/storage.objectAdmin',
  'roles/storage.legacyBucketReader',
] as const;

/**
 * Days the bucket keeps an object beyond the retention window: a week to notice and repair
 * failing base backups (DatabaseBackupTooOld fires after 26 hours) before the lifecycle rule
 * would remove the base backup that recovery still depends on.
 */
export const BACKUP_LIFECYCLE_MARGIN_DAYS = 7;

export interface DatabaseBackups {
  /** The bucket's name (gs://<name> is barman's destination). */
  readonly bucket: pulumi.Output<string>;
  /** Secret databases/spring-api-db-backup-gcs: the database waits for it. */
  readonly credentials: k8s.core.v1.Secret;
}

export function databaseBackups(
  parent: pulumi.Resource,
  net: GcpNetworking,
  provider: k8s.Provider,
  retentionDays: number,
  opts: pulumi.CustomResourceOptions,
): DatabaseBackups {
  const base = { parent, provider: net.gcpProvider };
  const stack = pulumi
    .getStack()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 18);
  // Bucket names are global: Pulumi appends a random suffix to this one. Protected, like the
  // etcd snapshots: a `pulumi destroy` must not take the backups with the cluster.
  const bucket = new gcp.storage.Bucket(
    `${net.clusterName}-db-backups`,
    {
      location: net.region,
      project: net.project,
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      // Barman names every object once and deletes what its retention no longer needs; old
      // versions would only keep deleted backups around.
      versioning: { enabled: false },
      forceDestroy: false,
      lifecycleRules: [
        {
          action: { type: 'Delete' },
          condition: { age: retentionDays + BACKUP_LIFECYCLE_MARGIN_DAYS },
        },
      ],
    },
    { ...needing(base, net.apis, 'storage'), protect: true },
  );
  const account = new gcp.serviceaccount.Account(
    'db-backup',
    {
      accountId: `db-backup-${stack}`.slice(0, 30).replace(/-+$/, ''),
      displayName: 'PostgreSQL backups (one bucket, nothing else)',
      project: net.project,
    },
    needing(base, net.apis, 'iam'),
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;
  for (const role of DATABASE_BACKUP_ROLES) {
    new gcp.storage.BucketIAMMember(
      `db-backup-${role.split('.')[1] ?? role}`,
      { bucket: bucket.name, role, member },
      needing(base, net.apis, 'storage'),
    );
  }
  const key = new gcp.serviceaccount.Key(
    'db-backup',
    { serviceAccountId: account.name },
    needing(base, net.apis, 'iam'),
  );
  const credentials = new k8s.core.v1.Secret(
    DATABASE_BACKUP_SECRET,
    {
      metadata: {
        name: DATABASE_BACKUP_SECRET,
        namespace: PLATFORM_ENDPOINTS.database.namespace,
        labels: { 'app.kubernetes.io/part-of': 'k8s-platform' },
      },
      type: 'Opaque',
      // privateKey is the key file, base64-encoded: exactly a Secret's data encoding.
      data: { 'credentials.json': pulumi.secret(key.privateKey) },
    },
    { ...opts, parent, provider },
  );
  return { bucket: bucket.name, credentials };
}
