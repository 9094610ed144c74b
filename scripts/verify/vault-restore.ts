// A Vault raft snapshot restored into a fresh server: the snapshot a scheduled job takes (logged
// in as its own service account, with a policy that may only read the snapshot endpoint), a new
// server initialized on its own, the snapshot forced onto it, the server unsealed with the
// ORIGINAL server's keys (what the init store keeps), the Pulumi login of the original working
// again, and the app's secret read back.
import { httpSendTo } from '../../infra/kube/kube-api';
import { AppVaultAccess, kvLocation } from '../../infra/platform/vault/app-access';
import { InitMaterial, initAndUnseal, PulumiLogin } from '../../infra/platform/vault/init';
import { PULUMI_LOGIN } from '../../infra/platform/vault/pulumi-policy';
import { SNAPSHOT_POLICY, snapshotPolicyHcl } from '../../infra/platform/vault/snapshots';
import { LocalCluster } from './local-cluster';
import { kubectl, LocalVault } from './vault-check';

/** Returns the failures; none means the secret came back from the snapshot. */
export async function checkSnapshotRestore(
  cluster: LocalCluster,
  bao: string,
  source: LocalVault,
  pulumiToken: string,
  material: InitMaterial,
  access: AppVaultAccess,
  values: Readonly<Record<string, string>>,
  login: PulumiLogin,
): Promise<string[]> {
  const file = `${cluster.scratch('snapshots')}/vault.snap`;
  // The scheduled job's policy and role, as the platform's resources write them (Pulumi's token).
  const policy = source.run(
    ['policy', 'write', SNAPSHOT_POLICY, '-'],
    pulumiToken,
    snapshotPolicyHcl(),
  );
  if (policy.status !== 0) return [`writing the snapshot policy: ${policy.out}`];
  const role = source.run(
    [
      'write',
      `auth/kubernetes/role/${SNAPSHOT_POLICY}`,
      'bound_service_account_names=vault-snapshot',
      'bound_service_account_namespaces=vault',
      'audience=vault',
      `token_policies=${SNAPSHOT_POLICY}`,
      'token_ttl=5m',
    ],
    pulumiToken,
  );
  if (role.status !== 0) return [`writing the snapshot role: ${role.out}`];
  const jwt = kubectl(
    cluster,
    '-n',
    'vault',
    'create',
    'token',
    'vault-snapshot',
    '--audience=vault',
  ).trim();
  const job = source.run(
    ['write', '-field=token', 'auth/kubernetes/login', `role=${SNAPSHOT_POLICY}`, `jwt=${jwt}`],
    '',
  );
  if (job.status !== 0) return [`the snapshot job could not log in: ${job.out}`];
  const save = source.run(['operator', 'raft', 'snapshot', 'save', file], job.out);
  if (save.status !== 0)
    return [`a token with the snapshot policy could not take a snapshot: ${save.out}`];
  const failures: string[] = [];
  const sneaky = source.run(['read', access.kvDataPath], job.out);
  if (sneaky.status === 0) failures.push("the snapshot token can read the app's secret");

  const target = await LocalVault.start(cluster, bao, 'bao-restored');
  const send = httpSendTo(target.address);
  const fresh = await initAndUnseal({ vault: send, initStore: target.initStore() }, []);
  if (!fresh.rootToken) return [...failures, 'the fresh server gave no root token'];
  const restore = target.run(
    ['operator', 'raft', 'snapshot', 'restore', '-force', file],
    fresh.rootToken,
  );
  if (restore.status !== 0) return [...failures, `restoring the snapshot: ${restore.out}`];

  // From here on the server is the source's: its keys, its data.
  const kept = {
    description: "the source server's init material",
    load: () => Promise.resolve(material),
    save: () => Promise.reject(new Error('the restore check never initializes')),
  };
  await initAndUnseal({ vault: send, initStore: kept }, []);
  const relogin = target.run(
    [
      'write',
      '-field=token',
      `auth/${PULUMI_LOGIN.mount}/login`,
      `role=${PULUMI_LOGIN.role}`,
      `jwt=${await login.serviceAccountJwt()}`,
    ],
    '',
  );
  if (relogin.status !== 0)
    return [...failures, `the Pulumi login failed on the restored server: ${relogin.out}`];
  const root = relogin.out;
  const { mount, name } = kvLocation(access);
  const read = target.run(['kv', 'get', '-format=json', `-mount=${mount}`, name], root);
  if (read.status !== 0)
    failures.push(`the restored server did not return ${access.kvDataPath}: ${read.out}`);
  else {
    const data = (JSON.parse(read.out) as { data: { data: Record<string, string> } }).data.data;
    for (const [key, value] of Object.entries(values))
      if (data[key] !== value)
        failures.push(`the restored ${access.kvDataPath} has another ${key}`);
  }
  return failures;
}
