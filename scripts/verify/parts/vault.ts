// verify's `vault` part: the Vault path the staging and prod pods take, against a real server.
import { join } from 'node:path';
import { RenderedEnvironment } from '../../../infra/apps/render';
import { vaultAccessOf } from '../../../infra/apps/vault-access';
import { configureVault } from '../../../infra/platform/vault/configure';
import { INIT_SECRET } from '../../../infra/platform/vault/cli';
import { LocalCluster } from '../local-cluster';
import { checkAccess, LocalVault, prepare } from '../vault-check';
import { Json, root, Tally } from './tally';

export async function checkVault(
  cluster: LocalCluster,
  rendered: readonly RenderedEnvironment[],
  t: Tally,
): Promise<void> {
  // The Vault path the staging and prod pods take: Kubernetes auth with the app's own token.
  const prod = rendered.find((e) => e.environment === 'prod');
  const wanted = vaultAccessOf(prod?.objects ?? []);
  if (!wanted) {
    t.failures.push('vault: the prod manifests take no secrets from Vault');
    return;
  }
  const { access, secretKeys } = wanted;
  const vault = await LocalVault.start(cluster, join(root, '.tools', 'verify-venv', 'bin', 'bao'));
  const { configuration, initStore, values } = prepare(cluster, vault, access, secretKeys);
  const fail = (m: string) => t.failures.push(`vault: ${m}`);
  const expectSteps = (run: string, report: readonly string[], wanted: readonly RegExp[]) => {
    for (const w of wanted) {
      if (!report.some((line) => w.test(line)))
        fail(`${run}: no step ${w} in: ${report.join('; ')}`);
    }
  };
  // 1. A fresh server: initialized, its material kept in the cluster, everything configured.
  expectSteps('first run', await configureVault(configuration), [
    /^initialized \(shamir seal\); init material kept in Secret vault\/vault-init$/,
    /^unsealed$/,
    /^enabled auth kubernetes\/$/,
    /^mounted KV v2 at secret\/$/,
    new RegExp(`^${access.role}: policy, role and ${secretKeys.length} secret keys written$`),
  ]);
  const material = await initStore.load();
  const stored = cluster.kubectl(['-n', 'vault', 'get', 'secret', INIT_SECRET, '-o', 'json']);
  if (!material?.rootToken || (JSON.parse(stored.stdout || '{}') as Json).immutable !== true)
    fail('the init material is not in an immutable Secret vault/vault-init');
  // 2. Run again: nothing to do.
  expectSteps('second run', await configureVault(configuration), [
    /^already initialized$/,
    /^KV v2 at secret\/ already mounted$/,
    new RegExp(`^${access.role}: policy and role written; secrets unchanged$`),
  ]);
  // 3. The server restarts sealed (as a standalone Vault does after a pod restart): unsealed.
  await vault.restart();
  expectSteps('after a restart', await configureVault(configuration), [/^unsealed$/]);

  const rootToken = material?.rootToken ?? '';
  // Self-test: a too-broad policy must be caught by the access check; a re-run restores it.
  vault.run(
    ['policy', 'write', access.role, '-'],
    rootToken,
    'path "secret/data/*" {\n  capabilities = ["read"]\n}\n',
  );
  if (!checkAccess(cluster, vault, rootToken, access, values).some((f) => f.includes('too broad')))
    t.failures.push('self-test: a too-broad Vault policy went unnoticed');
  await configureVault(configuration);
  const failures = checkAccess(cluster, vault, rootToken, access, values);
  failures.forEach(fail);
  if (failures.length === 0) t.passed++;
  console.log(
    `verify: vault: the platform's configuration initializes, unseals after a restart and re-runs idempotently; ` +
      `role ${access.role} reads ${access.kvDataPath} (${secretKeys.join(', ')}) and nothing else; ` +
      `other tokens refused; a too-broad policy is caught (${failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}
