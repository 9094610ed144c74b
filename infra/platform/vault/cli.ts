// Entry point of the step Pulumi runs as a local Command before Vault's resources, and that
// people run by hand to unseal a Shamir-sealed Vault after a restart (`npm run vault:unseal`).
// It reaches Vault through the API server's proxy with the cluster's kubeconfig. Progress goes to
// stderr without any secret; `token` prints the Pulumi token sealed with VAULT_TOKEN_SEAL_KEY
// (./token-seal.ts), one line on stdout.
//
//   token:  VAULT_INIT_STORE, VAULT_TOKEN_SEAL_KEY, KUBECONFIG_CONTENT or KUBECONFIG,
//           KUBE_CONTEXT
//   unseal: --context <name> --init-store <store> (kubeconfig from $KUBECONFIG or ~/.kube/config)
//   configure (a GitOps platform, no Pulumi): as unseal, plus VAULT_APPS (JSON, secret)
//
// A store is `file:<path>` (minikube) or `gcp-secret:<project>/<secret>` (gcp).

import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { credentialsFromEnv, HttpSend, kubeApi, viaProxy } from '../../kube/kube-api';
import { configureVault, VaultConfiguration } from './configure';
import { InitStore, initAndUnseal, pulumiToken, Report } from './init';
import { fileInitStore, secretManagerInitStore } from './init-store';
import { legacySecretSource } from './legacy-init';
import { PULUMI_LOGIN } from './pulumi-policy';
import { sealToken } from './token-seal';

/**
 * The first Vault server pod. Init and unseal must talk to one server, not to whichever one a
 * Service picks (with raft, the others join it); afterwards a standby forwards writes to the
 * active server, so the configuration goes there too.
 */
export const VAULT_POD = 'vault-0';

/** Vault's API on the first server pod, through the API server's proxy. */
export function vaultVia(api: HttpSend): HttpSend {
  return viaProxy(api, {
    namespace: PLATFORM_ENDPOINTS.vault.namespace,
    kind: 'pods',
    name: VAULT_POD,
    port: PLATFORM_ENDPOINTS.vault.port,
  });
}

/** The init store a `file:` or `gcp-secret:` reference names. */
export function initStoreOf(reference: string | undefined): InitStore {
  const file = /^file:(\/.+)$/.exec(reference ?? '');
  if (file?.[1]) return fileInitStore(file[1]);
  const secret = /^gcp-secret:([a-z][a-z0-9-]{4,28}[a-z0-9])\/([A-Za-z0-9_-]{1,255})$/.exec(
    reference ?? '',
  );
  if (secret?.[1] && secret[2]) return secretManagerInitStore(secret[1], secret[2]);
  throw new Error(
    `init store "${reference ?? ''}" is not one of file:<absolute path>, gcp-secret:<project>/<secret>`,
  );
}

/** A short-lived token of a service account (TokenRequest), for a Vault login. */
export async function serviceAccountToken(
  api: HttpSend,
  sa: { namespace: string; serviceAccount: string; audience: string },
): Promise<string> {
  const path = `/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.serviceAccount}/token`;
  const r = await api(
    'POST',
    path,
    JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [sa.audience], expirationSeconds: 600 },
    }),
  );
  if (r.status !== 201 && r.status !== 200)
    throw new Error(
      `a token for ${sa.namespace}/${sa.serviceAccount}: HTTP ${r.status} from ${path}`,
    );
  const token = (JSON.parse(r.body) as { status?: { token?: string } }).status?.token;
  if (!token)
    throw new Error(`the API server returned no token for ${sa.namespace}/${sa.serviceAccount}`);
  return token;
}

/** VAULT_APPS: a JSON array of {access, secrets} (configure mode). */
export function parseApps(text: string | undefined): VaultConfiguration['apps'] {
  if (!text)
    throw new Error('VAULT_APPS is not set: a JSON array of {"access": ..., "secrets": ...}');
  const apps: unknown = JSON.parse(text);
  if (!Array.isArray(apps)) throw new Error('VAULT_APPS must be a JSON array');
  return apps as VaultConfiguration['apps'];
}

/** The login's service account, which Pulumi creates; created here for a GitOps platform. */
async function ensureLoginAccount(api: HttpSend): Promise<void> {
  const { namespace, serviceAccount } = PULUMI_LOGIN;
  const r = await api(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts`,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: serviceAccount, namespace },
      automountServiceAccountToken: false,
    }),
  );
  if (r.status !== 201 && r.status !== 409)
    throw new Error(`creating ServiceAccount ${namespace}/${serviceAccount}: HTTP ${r.status}`);
}

/** Runs a mode; returns what goes to stdout (the token JSON, or nothing) and the report. */
export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; report: Report }> {
  const [mode, ...rest] = argv;
  const flag = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const context = flag('context') ?? env.KUBE_CONTEXT ?? 'minikube';
  const report: Report = [];
  if (mode !== 'token' && mode !== 'unseal' && mode !== 'configure')
    throw new Error(
      `usage: cli.ts token | unseal | configure [--context <name>] [--init-store <store>] (got "${mode ?? ''}")`,
    );
  const api = kubeApi(credentialsFromEnv(env, context));
  const step = {
    vault: vaultVia(api),
    initStore: initStoreOf(flag('init-store') ?? env.VAULT_INIT_STORE),
    legacy: legacySecretSource(api, PLATFORM_ENDPOINTS.vault.namespace),
  };
  if (mode === 'unseal') {
    await initAndUnseal(step, report);
    return { stdout: '', report };
  }
  const login = {
    // Vault reviews tokens with its own service account, in its pod.
    kubernetes: { host: 'https://kubernetes.default.svc' },
    serviceAccountJwt: () => serviceAccountToken(api, PULUMI_LOGIN),
  };
  if (mode === 'configure') {
    // A platform installed by GitOps (no Pulumi): the same configuration over the HTTP API.
    const apps = parseApps(env.VAULT_APPS);
    await ensureLoginAccount(api);
    const token = await pulumiToken({ ...step, login }, report);
    const kubernetes = { host: 'https://kubernetes.default.svc' };
    report.push(...(await configureVault({ vault: step.vault, token, kubernetes, apps })));
    return { stdout: '', report };
  }
  const key = env.VAULT_TOKEN_SEAL_KEY;
  if (!key) throw new Error('VAULT_TOKEN_SEAL_KEY is not set');
  const token = await pulumiToken({ ...step, login }, report);
  return { stdout: `${sealToken(token, key)}\n`, report };
}

if (require.main === module) {
  run(process.argv.slice(2), process.env).then(
    ({ stdout, report }) => {
      report.forEach((line) => console.error(`vault: ${line}`));
      process.stdout.write(stdout);
    },
    (error: unknown) => {
      console.error(`vault: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
