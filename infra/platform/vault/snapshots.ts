// Vault raft snapshots to Cloud Storage on a schedule (gcp). Vault OSS and OpenBao have no
// automated snapshots (an Enterprise feature), so a CronJob in Vault's namespace takes them: an
// init container logs in to Vault as its own service account (role and policy below: read the
// snapshot endpoint, nothing else) and saves a snapshot; a gcloud container uploads it to a
// bucket the stack creates, with a key that may only create objects there. Restore:
// infra/platform/vault/README.md; `npm run verify -- --only=vault` proves one against OpenBao.
import * as gcp from '@pulumi/gcp';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { GcpNetworking } from '../../cluster/cluster';
import { needing } from '../../cluster/gcp/apis';
import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { VAULT_MOUNTS } from './pulumi-policy';

/** Name of the snapshot policy, of its Kubernetes-auth role and of the job's service account. */
export const SNAPSHOT_POLICY = 'raft-snapshot';

/** Policy HCL: `GET sys/storage/raft/snapshot` only. */
export function snapshotPolicyHcl(): string {
  return 'path "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n';
}

/** When and how: every 6 hours; snapshots kept 30 days. Images pinned exactly. */
export const SNAPSHOT_SCHEDULE = {
  cron: '17 */6 * * *',
  retentionDays: 30,
  // The image the Vault chart runs (vault 0.34.1 -> Vault 2.0.4), for its CLI.
  vaultImage: 'hashicorp/vault:2.0.4',
  gcloudImage: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:540.0.0-slim',
} as const;

const TOKEN_DIR = '/var/run/secrets/vault-snapshot';

/** The job's shell: log in, snapshot (init container); upload (main container). */
export const SNAPSHOT_COMMANDS = {
  save:
    `VAULT_TOKEN="$(vault write -field=token auth/${VAULT_MOUNTS.kubernetesAuth}/login role=${SNAPSHOT_POLICY} jwt=@${TOKEN_DIR}/token)" ` +
    'vault operator raft snapshot save /snapshots/vault.snap',
  upload:
    'gcloud auth activate-service-account --key-file=/gcs/credentials.json --quiet && ' +
    'gcloud storage cp /snapshots/vault.snap "gs://${BUCKET}/vault-$(date -u +%Y%m%dT%H%M%SZ).snap"',
} as const;

const RESTRICTED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const SMALL = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '250m', memory: '256Mi' },
};

export function vaultSnapshots(
  parent: pulumi.Resource,
  net: GcpNetworking,
  k8sProvider: k8s.Provider,
  vaultProvider: vault.Provider,
  opts: {
    /** What the Kubernetes objects wait for (the Vault release). */
    readonly dependsOn: readonly pulumi.Resource[];
    /** What the Vault role waits for (the Kubernetes auth method). */
    readonly vaultDependsOn: readonly pulumi.Resource[];
  },
): { bucket: gcp.storage.Bucket; cronJob: k8s.batch.v1.CronJob } {
  const namespace = PLATFORM_ENDPOINTS.vault.namespace;
  const g = needing({ parent, provider: net.gcpProvider }, net.apis, 'storage', 'iam');
  const bucket = new gcp.storage.Bucket(
    'vault-snapshots',
    {
      location: net.region,
      project: net.project,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
      lifecycleRules: [
        { action: { type: 'Delete' }, condition: { age: SNAPSHOT_SCHEDULE.retentionDays } },
      ],
    },
    { ...g, protect: true },
  );
  const account = new gcp.serviceaccount.Account(
    'vault-snapshots-writer',
    {
      accountId: `vault-snap-${pulumi
        .getStack()
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')}`
        .slice(0, 30)
        .replace(/-+$/, ''),
      displayName: 'Vault snapshots (create objects in one bucket, nothing else)',
      project: net.project,
    },
    g,
  );
  // Create only: the job cannot read, overwrite or delete earlier snapshots.
  new gcp.storage.BucketIAMMember(
    'vault-snapshots-creator',
    {
      bucket: bucket.name,
      role: 'roles/storage.objectCreator',
      member: pulumi.interpolate`serviceAccount:${account.email}`,
    },
    g,
  );
  const key = new gcp.serviceaccount.Key(
    'vault-snapshots-writer',
    { serviceAccountId: account.name },
    g,
  );
  const k = { parent, provider: k8sProvider, dependsOn: [...opts.dependsOn] };
  const credentials = new k8s.core.v1.Secret(
    'vault-snapshots-gcs',
    {
      metadata: { name: 'vault-snapshots-gcs', namespace },
      type: 'Opaque',
      data: { 'credentials.json': pulumi.secret(key.privateKey) },
    },
    k,
  );
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    'vault-snapshot',
    { metadata: { name: 'vault-snapshot', namespace }, automountServiceAccountToken: false },
    k,
  );
  const v = { parent, provider: vaultProvider, dependsOn: [...opts.vaultDependsOn] };
  const policy = new vault.Policy(
    'vault-snapshot-policy',
    { name: SNAPSHOT_POLICY, policy: snapshotPolicyHcl() },
    v,
  );
  const role = new vault.kubernetes.AuthBackendRole(
    'vault-snapshot-role',
    {
      backend: VAULT_MOUNTS.kubernetesAuth,
      roleName: SNAPSHOT_POLICY,
      boundServiceAccountNames: ['vault-snapshot'],
      boundServiceAccountNamespaces: [namespace],
      audience: PLATFORM_ENDPOINTS.vault.tokenAudience,
      tokenPolicies: [policy.name],
      tokenTtl: 300,
    },
    v,
  );
  const cronJob = new k8s.batch.v1.CronJob(
    'vault-snapshot',
    {
      metadata: { name: 'vault-snapshot', namespace },
      spec: {
        schedule: SNAPSHOT_SCHEDULE.cron,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 900,
            ttlSecondsAfterFinished: 86_400,
            template: {
              spec: {
                serviceAccountName: 'vault-snapshot',
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 100,
                  runAsGroup: 1000,
                  fsGroup: 1000,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumes: [
                  { name: 'snapshots', emptyDir: { sizeLimit: '2Gi' } },
                  { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
                  {
                    name: 'token',
                    projected: {
                      sources: [
                        {
                          serviceAccountToken: {
                            path: 'token',
                            audience: PLATFORM_ENDPOINTS.vault.tokenAudience,
                            expirationSeconds: 600,
                          },
                        },
                      ],
                    },
                  },
                  { name: 'gcs', secret: { secretName: 'vault-snapshots-gcs' } },
                ],
                initContainers: [
                  {
                    name: 'snapshot',
                    image: SNAPSHOT_SCHEDULE.vaultImage,
                    command: ['/bin/sh', '-ec', SNAPSHOT_COMMANDS.save],
                    env: [
                      {
                        name: 'VAULT_ADDR',
                        value: `http://vault-active.${namespace}.svc:${PLATFORM_ENDPOINTS.vault.port}`,
                      },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    securityContext: RESTRICTED,
                    resources: SMALL,
                    volumeMounts: [
                      { name: 'snapshots', mountPath: '/snapshots' },
                      { name: 'tmp', mountPath: '/tmp' },
                      { name: 'token', mountPath: TOKEN_DIR, readOnly: true },
                    ],
                  },
                ],
                containers: [
                  {
                    name: 'upload',
                    image: SNAPSHOT_SCHEDULE.gcloudImage,
                    command: ['/bin/bash', '-ec', SNAPSHOT_COMMANDS.upload],
                    env: [
                      { name: 'BUCKET', value: bucket.name },
                      { name: 'CLOUDSDK_CONFIG', value: '/tmp/gcloud' },
                      { name: 'HOME', value: '/tmp' },
                    ],
                    securityContext: RESTRICTED,
                    resources: SMALL,
                    volumeMounts: [
                      { name: 'snapshots', mountPath: '/snapshots', readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                      { name: 'gcs', mountPath: '/gcs', readOnly: true },
                    ],
                  },
                ],
              },
            },
          },
        },
      },
    },
    { ...k, dependsOn: [...k.dependsOn, credentials, serviceAccount, role] },
  );
  return { bucket, cronJob };
}
