// A Vault raft snapshot restored into a fresh server: the snapshot a scheduled job takes (logged
// in as its own service account, with a policy that may only read the snapshot endpoint), a new
// server initialized on its own, the snapshot forced onto it, the server unsealed with the
// ORIGINAL server's keys (what the init store keeps), the Pulumi login of the original working
// again, and the app's secret read back.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpSendTo } from '../../infra/kube/kube-api';
import { AppVaultAccess, kvLocation } from '../../infra/apps/spring-api/vault';
import { InitMaterial, initAndUnseal, PulumiLogin } from '../../infra/platform/vault/init';
import { PULUMI_LOGIN } from '../../infra/platform/vault/pulumi-policy';
import {
  SNAPSHOT_COMMANDS,
  SNAPSHOT_POLICY,
  snapshotPolicyHcl,
} from '../../infra/platform/vault/snapshots';
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
  // The CronJob's own shell command, run with `vault` being the bao binary, its paths moved
  // into a scratch folder: login with the projected token, then the snapshot.
  const dir = cluster.scratch('snapshot-job');
  const file = join(dir, 'snapshots', 'vault.snap');
  mkdirSync(join(dir, 'snapshots'));
  mkdirSync(join(dir, 'token'));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(bao, join(dir, 'bin', 'vault'));
  writeFileSync(
    join(dir, 'token', 'token'),
    kubectl(cluster, '-n', 'vault', 'create', 'token', 'vault-snapshot', '--audience=vault').trim(),
  );
  const job = spawnSync(
    '/bin/sh',
    [
      '-ec',
      SNAPSHOT_COMMANDS.save
        .replaceAll('/var/run/secrets/vault-snapshot', join(dir, 'token'))
        .replaceAll('/snapshots', join(dir, 'snapshots')),
    ],
    {
      encoding: 'utf8',
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, VAULT_ADDR: source.address },
    },
  );
  if (job.status !== 0 || !existsSync(file))
    return [
      `the snapshot job's command failed: ${`${job.stdout}${job.stderr}`.trim().slice(0, 300)}`,
    ];
  const jobToken = source.run(
    [
      'write',
      '-field=token',
      'auth/kubernetes/login',
      `role=${SNAPSHOT_POLICY}`,
      `jwt=${readFileSync(join(dir, 'token', 'token'), 'utf8')}`,
    ],
    '',
  ).out;
  const failures: string[] = [];
  const sneaky = source.run(['read', access.kvDataPath], jobToken);
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
