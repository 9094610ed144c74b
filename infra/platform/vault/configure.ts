// The platform's Vault configuration over Vault's HTTP API, from the same typed access as the
// Pulumi resources (./settings.ts). Pulumi applies those resources in a real run; `npm run
// verify` applies this, with the scoped Pulumi token, to a real Vault-compatible server, which
// proves that the token's policy allows every write the resources make and that the resulting
// role reads the app's path and nothing else. Idempotent: each step reads the current state
// first; an existing mount of the wrong type is reported, never replaced, so no data is lost.
import { HttpSend } from '../../kube/kube-api';
import { call, must } from './api';
import { AppVaultAccess, appPolicyHcl, appRoleParameters } from '../../apps/spring-api/vault';
import { Report } from './init';
import { VAULT_MOUNTS } from './pulumi-policy';

export interface VaultConfiguration {
  /** Reaches Vault's API (`/v1/...` paths). */
  readonly vault: HttpSend;
  /** The token to configure with (the scoped Pulumi token). */
  readonly token: string;
  /** Kubernetes auth: the API server as Vault sees it; Vault's own service account reviews tokens. */
  readonly kubernetes: {
    readonly host: string;
    readonly caCert?: string;
    readonly tokenReviewerJwt?: string;
  };
  readonly apps: readonly {
    readonly access: AppVaultAccess;
    /** Values to keep at the app's path, one key per Spring property. */
    readonly secrets: Readonly<Record<string, string>>;
  }[];
}

async function ensureKubernetesAuth(c: VaultConfiguration, report: Report) {
  const auths = await must(c.vault, 'GET', 'sys/auth', c.token);
  const mounts = (auths.data ?? auths) as Record<string, { type?: string }>;
  const existing = mounts[`${VAULT_MOUNTS.kubernetesAuth}/`];
  if (!existing) {
    await must(c.vault, 'POST', 'sys/auth/kubernetes', c.token, { type: 'kubernetes' });
    report.push('enabled auth kubernetes/');
  } else if (existing.type !== 'kubernetes') {
    throw new Error(`auth path kubernetes/ holds a ${existing.type} method, not kubernetes`);
  }
  const config: Record<string, string> = { kubernetes_host: c.kubernetes.host };
  if (c.kubernetes.caCert) config.kubernetes_ca_cert = c.kubernetes.caCert;
  if (c.kubernetes.tokenReviewerJwt) config.token_reviewer_jwt = c.kubernetes.tokenReviewerJwt;
  await must(c.vault, 'POST', 'auth/kubernetes/config', c.token, config);
  report.push(`auth kubernetes/ reviews tokens with ${c.kubernetes.host}`);
}

async function ensureKvMount(c: VaultConfiguration, report: Report) {
  const all = await must(c.vault, 'GET', 'sys/mounts', c.token);
  const mounts = (all.data ?? all) as Record<
    string,
    { type?: string; options?: { version?: string } }
  >;
  const existing = mounts[`${VAULT_MOUNTS.kv}/`];
  if (!existing) {
    await must(c.vault, 'POST', `sys/mounts/${VAULT_MOUNTS.kv}`, c.token, {
      type: 'kv',
      options: { version: '2' },
    });
    report.push(`mounted KV v2 at ${VAULT_MOUNTS.kv}/`);
  } else if (existing.type !== 'kv' || existing.options?.version !== '2') {
    throw new Error(
      `${VAULT_MOUNTS.kv}/ is mounted as ${existing.type ?? '?'} version ${existing.options?.version ?? '1'}, not KV v2; ` +
        'it is left untouched (no data is moved): migrate it by hand or choose another mount',
    );
  } else report.push(`KV v2 at ${VAULT_MOUNTS.kv}/ already mounted`);
}

function kvApiPath(kvDataPath: string, kvMount: string): string {
  if (!kvDataPath.startsWith(`${kvMount}/data/`))
    throw new Error(`app path ${kvDataPath} is not under the KV v2 mount ${kvMount}/data/`);
  return kvDataPath;
}

async function ensureApp(
  c: VaultConfiguration,
  app: VaultConfiguration['apps'][number],
  report: Report,
) {
  const { access, secrets } = app;
  const path = kvApiPath(access.kvDataPath, VAULT_MOUNTS.kv);
  await must(c.vault, 'PUT', `sys/policies/acl/${access.role}`, c.token, {
    policy: appPolicyHcl(access),
  });
  await must(
    c.vault,
    'POST',
    `auth/kubernetes/role/${access.role}`,
    c.token,
    appRoleParameters(access),
  );
  const current = await call(c.vault, 'GET', path, c.token);
  const stored =
    current.status === 200
      ? ((current.json.data as { data?: Record<string, string> } | undefined)?.data ?? {})
      : {};
  const same =
    Object.keys(stored).length === Object.keys(secrets).length &&
    Object.entries(secrets).every(([k, v]) => stored[k] === v);
  if (!same) {
    await must(c.vault, 'POST', path, c.token, { data: secrets });
    report.push(
      `${access.role}: policy, role and ${Object.keys(secrets).length} secret keys written`,
    );
  } else report.push(`${access.role}: policy and role written; secrets unchanged`);
}

/** Brings Vault to the platform's configuration; returns what it did (no secret values). */
export async function configureVault(c: VaultConfiguration): Promise<Report> {
  const report: Report = [];
  await ensureKubernetesAuth(c, report);
  await ensureKvMount(c, report);
  for (const app of c.apps) await ensureApp(c, app, report);
  return report;
}
