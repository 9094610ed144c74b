// verify's `vault` part: the Vault path the staging and prod pods take, against a real server
// (the flow is in ../vault-flow.ts).
import { join } from 'node:path';
import { RenderedEnvironment } from '../../../infra/apps/render';
import { vaultAccess } from '../../../infra/apps/spring-api/vault';
import { LocalCluster } from '../local-cluster';
import { checkVaultFlow } from '../vault-flow';
import { root, Tally } from './tally';

export async function checkVault(
  cluster: LocalCluster,
  rendered: readonly RenderedEnvironment[],
  t: Tally,
): Promise<void> {
  // The prod profile's Vault access, as typed data: what its pods are annotated with.
  const prod = rendered.find((e) => e.environment === 'prod');
  const access = prod ? vaultAccess(prod.resolved) : undefined;
  if (!access) {
    t.failures.push('vault: the prod profile takes no secrets from Vault');
    return;
  }
  await checkVaultFlow(cluster, access, join(root, '.tools', 'verify-venv', 'bin', 'bao'), t);
}
