// Where the control plane puts its etcd snapshots: a bucket the stack creates, versioned, with
// old snapshots deleted by lifecycle rules, and reachable by the control plane's service account
// alone (uniform access, public access prevented, no other grant on it). The control plane may
// add and read snapshots but not delete or overwrite them: a compromised node cannot erase the
// history it would be restored from.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpConfig } from '../../config/gcp';
import { EnabledApis, GoogleBase, needing } from './apis';

/** How long snapshots are kept, and how long an overwritten or deleted one stays recoverable. */
export const ETCD_SNAPSHOT_RETENTION = { days: 30, noncurrentDays: 7 } as const;

/** What the control plane may do in the bucket: create objects and read them back. */
export const ETCD_BUCKET_ROLES = ['roles/storage.objectCreator', 'roles/storage.objectViewer'];

export function etcdSnapshotBucket(
  c: GcpConfig,
  controlPlane: gcp.serviceaccount.Account,
  apis: EnabledApis,
  base: GoogleBase,
): gcp.storage.Bucket {
  const g = needing(base, apis, 'storage');
  // Bucket names are global: Pulumi appends a random suffix to this one.
  const bucket = new gcp.storage.Bucket(
    `${c.name}-etcd`,
    {
      location: c.region,
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
      lifecycleRules: [
        { action: { type: 'Delete' }, condition: { age: ETCD_SNAPSHOT_RETENTION.days } },
        {
          action: { type: 'Delete' },
          condition: {
            daysSinceNoncurrentTime: ETCD_SNAPSHOT_RETENTION.noncurrentDays,
            withState: 'ARCHIVED',
          },
        },
      ],
    },
    { ...g, protect: true },
  );
  for (const role of ETCD_BUCKET_ROLES) {
    new gcp.storage.BucketIAMMember(
      `${c.name}-etcd-${role.split('.')[1] ?? role}`,
      {
        bucket: bucket.name,
        role,
        member: pulumi.interpolate`serviceAccount:${controlPlane.email}`,
      },
      g,
    );
  }
  return bucket;
}
