// Vault configured by the platform's own code, as `pulumi up` does it: the init step
// (initialize, keep the keys in a 0600 file, the Pulumi policy and login written with root, root
// revoked, a scoped token by service-account login), then the Vault resources' writes
// (Kubernetes auth, KV v2, the API's policy, role and secret values) with that token. OpenBao
// runs beside the node rather than in a pod, so its Kubernetes auth reviews tokens with the real
// API server on the bridge, with the cluster's CA and the token of Vault's service account,
// bound to system:auth-delegator as the chart's authDelegator binds it.
import { pulumiLoginTokenArgs } from '../../verify/vault-check';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpSend } from '../../../infra/kube/kube-api';
import { AppVaultAccess } from '../../../infra/apps/spring-api/vault';
import { configureVault } from '../../../infra/platform/vault/configure';
import { pulumiToken, Report } from '../../../infra/platform/vault/init';
import { fileInitStore } from '../../../infra/platform/vault/init-store';
import { PULUMI_LOGIN } from '../../../infra/platform/vault/pulumi-policy';
import { pgBin } from '../../verify/postgres';
import { E2eNode } from '../node/node';
import { API_PORT, NODE_IP } from '../node/config';
import { INJECTOR } from './injector';

/** The server's service account (the chart's `vault`), and the binding the chart's authDelegator makes. */
export function vaultIdentities(): Record<string, unknown>[] {
  const ns = INJECTOR.namespace;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'vault', namespace: ns } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: PULUMI_LOGIN.serviceAccount, namespace: PULUMI_LOGIN.namespace },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'vault-server-binding' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'vault', namespace: ns }],
    },
  ];
}

/** The init step and the Vault resources' writes; returns both reports (no secret values). */
export async function configureLikeThePlatform(
  node: E2eNode,
  vault: HttpSend,
  access: AppVaultAccess,
  secrets: Readonly<Record<string, string>>,
): Promise<{ init: Report; resources: Report }> {
  node.apply(vaultIdentities());
  const kubernetes = {
    host: `https://${NODE_IP}:${API_PORT}`,
    caCert: readFileSync(join(node.paths.pki, 'ca.crt'), 'utf8'),
    tokenReviewerJwt: node.must([
      '-n',
      INJECTOR.namespace,
      'create',
      'token',
      'vault',
      '--duration=2h',
    ]),
  };
  const init: Report = [];
  const token = await pulumiToken(
    {
      vault,
      initStore: fileInitStore(join(node.folder, 'openbao-init', 'vault-init.json')),
      retryDelayMs: 200,
      login: {
        kubernetes,
        serviceAccountJwt: () => Promise.resolve(node.must(pulumiLoginTokenArgs())),
      },
    },
    init,
  );
  const resources = await configureVault({ vault, token, kubernetes, apps: [{ access, secrets }] });
  return { init, resources };
}

/**
 * Gives the database owner a new password by logging in as that owner with the old one (a role
 * may change its own): the running PostgreSQL of part `app` then takes only the password kept
 * in Vault. Both passwords go through the environment and stdin, never the process list.
 */
export function rotateOwnerPassword(
  node: E2eNode,
  db: { readonly database: string; readonly owner: string },
  oldPassword: string,
  newPassword: string,
): void {
  const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const r = spawnSync(
    'nsenter',
    [
      `--net=/run/netns/${node.netns}`,
      '--',
      join(pgBin(), 'psql'),
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      NODE_IP,
      '-U',
      db.owner,
      '-d',
      db.database,
    ],
    {
      input: `ALTER ROLE CURRENT_USER PASSWORD ${quote(newPassword)};\n`,
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: oldPassword, PGCONNECT_TIMEOUT: '10' },
      timeout: 30_000,
    },
  );
  if (r.status !== 0)
    throw new Error(`changing ${db.owner}'s password failed: ${r.stderr || r.error?.message}`);
}
