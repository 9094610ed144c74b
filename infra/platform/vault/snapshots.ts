// Vault raft snapshots. The policy a snapshot job's token carries: read the snapshot endpoint,
// nothing else (not even the secrets the snapshot contains, in readable form).

/** Name of the snapshot policy (and of the Kubernetes-auth role the job logs in with). */
export const SNAPSHOT_POLICY = 'raft-snapshot';

/** Policy HCL: `GET sys/storage/raft/snapshot` only. */
export function snapshotPolicyHcl(): string {
  return 'path "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n';
}
