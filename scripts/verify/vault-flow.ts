// The Vault path of staging and prod, against a real OpenBao and a real kube-apiserver:
//  1. the platform's init step (initialize, keep the keys in a 0600 file, the Pulumi policy and
//     login written with root, root revoked, a Pulumi token by service-account login) and the
//     writes the Vault resources make, over the HTTP API, with that token;
//  2. a second run (a new token by login alone) and a restart (unsealed again);
//  3. what the app's role may do, and a too-broad policy caught (self-test);
//  4. a raft snapshot restored into a fresh server (./vault-restore.ts).
import { statSync } from 'node:fs';
import { AppVaultAccess } from '../../infra/apps/spring-api/vault';
import { configureVault } from '../../infra/platform/vault/configure';
import { pulumiToken, Report } from '../../infra/platform/vault/init';
import { PULUMI_LOGIN, PULUMI_POLICY } from '../../infra/platform/vault/pulumi-policy';
import { LocalCluster } from './local-cluster';
import { checkAccess, LocalVault, prepare } from './vault-check';
import { checkSnapshotRestore } from './vault-restore';

export interface VaultTally {
  passed: number;
  readonly failures: string[];
}

export async function checkVaultFlow(
  cluster: LocalCluster,
  access: AppVaultAccess,
  bao: string,
  t: VaultTally,
): Promise<void> {
  const vault = await LocalVault.start(cluster, bao);
  const { configuration, initStore, values, login } = prepare(cluster, vault, access);
  const fail = (m: string) => t.failures.push(`vault: ${m}`);
  const expectSteps = (run: string, report: readonly string[], wanted: readonly RegExp[]) => {
    for (const w of wanted)
      if (!report.some((line) => w.test(line)))
        fail(`${run}: no step ${w} in: ${report.join('; ')}`);
  };
  let root = '';
  const step = {
    vault: configuration.vault,
    initStore,
    login,
    onRootToken: (r: string) => (root = r),
  };
  const keys = access.secretProperties.length;
  const tokenStep = new RegExp(
    `^token for Pulumi from auth/${PULUMI_LOGIN.mount}/ \\(policy ${PULUMI_POLICY}, 1h\\)$`,
  );

  let report: Report = [];
  const first = await pulumiToken(step, report);
  expectSteps('first run', report, [
    /^initialized \(shamir seal\); init material kept in file \S+vault-init\.json$/,
    /^unsealed$/,
    /^policy k8s-platform-pulumi and its login auth\/kubernetes-deployer\/ written$/,
    /^root token revoked$/,
    tokenStep,
  ]);
  if (!root || vault.run(['token', 'lookup'], root).status === 0)
    fail('the root token still works after the init step');
  const file = /file (\S+)$/.exec(initStore.description)?.[1] ?? '';
  if ((statSync(file).mode & 0o777) !== 0o600) fail(`${file} is not mode 0600`);
  if (cluster.kubectl(['get', 'secrets', '-A', '-o', 'name']).stdout.includes('vault-init'))
    fail('init material found in a Kubernetes Secret');
  expectSteps('resources, first apply', await configureVault({ ...configuration, token: first }), [
    /^enabled auth kubernetes\/$/,
    /^mounted KV v2 at secret\/$/,
    new RegExp(`^${access.role}: policy, role and ${keys} secret keys written$`),
  ]);
  const lookup = vault.run(['token', 'lookup', '-format=json'], first);
  const data =
    lookup.status === 0
      ? (JSON.parse(lookup.out) as { data: { ttl: number; policies: string[] } }).data
      : undefined;
  if (!data || data.ttl <= 0 || data.ttl > 3600 || !data.policies.includes(PULUMI_POLICY))
    fail(
      `the Pulumi token does not carry ${PULUMI_POLICY} for at most an hour: ${lookup.out.slice(0, 200)}`,
    );
  const refused = (what: string, args: string[], input?: string) => {
    if (vault.run(args, first, input).status === 0) fail(`the Pulumi token may ${what}`);
  };
  refused(
    'rewrite its own policy',
    ['policy', 'write', PULUMI_POLICY, '-'],
    'path "*" {\n  capabilities = ["sudo"]\n}\n',
  );
  refused('change its own login role', [
    'write',
    `auth/${PULUMI_LOGIN.mount}/role/${PULUMI_LOGIN.role}`,
    'token_policies=root',
  ]);
  refused('mount engines other than secret/', ['secrets', 'enable', '-path=elsewhere', 'kv']);
  refused('list every token', ['list', 'auth/token/accessors']);

  report = [];
  const second = await pulumiToken(step, report);
  expectSteps('second run', report, [/^already initialized$/, tokenStep]);
  if (report.some((line) => line.includes('root')))
    fail(`second run used a root token: ${report.join('; ')}`);
  expectSteps(
    'resources, second apply',
    await configureVault({ ...configuration, token: second }),
    [
      /^KV v2 at secret\/ already mounted$/,
      new RegExp(`^${access.role}: policy and role written; secrets unchanged$`),
    ],
  );
  await vault.restart();
  report = [];
  const third = await pulumiToken(step, report);
  expectSteps('after a restart', report, [/^unsealed$/, tokenStep]);

  vault.run(
    ['policy', 'write', access.role, '-'],
    third,
    'path "secret/data/*" {\n  capabilities = ["read"]\n}\n',
  );
  if (!checkAccess(cluster, vault, third, access, values).some((f) => f.includes('too broad')))
    fail('self-test: a too-broad Vault policy went unnoticed');
  await configureVault({ ...configuration, token: third });
  const failures = checkAccess(cluster, vault, third, access, values);
  const material = await initStore.load();
  if (!material) failures.push('no init material after the runs');
  else
    failures.push(
      ...(await checkSnapshotRestore(cluster, bao, vault, third, material, access, values, login)),
    );
  failures.forEach(fail);
  if (failures.length === 0) t.passed++;
  console.log(
    `verify: vault: the init step initializes, keeps the keys in a 0600 file (no Kubernetes Secret), ` +
      `writes the Pulumi policy and login with root and revokes root; later runs get a 1 h token of ` +
      `${PULUMI_POLICY} by service-account login; that token makes every write of the Vault resources ` +
      `and cannot widen itself; a restart is unsealed; role ${access.role} reads ${access.kvDataPath} ` +
      `(${access.secretProperties.join(', ')}) and nothing else; a too-broad policy is caught; a raft ` +
      `snapshot taken by the CronJob's own command (snapshot-only login) restores into a fresh server (${failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}
