// Entry point Pulumi runs (a local Command) after the Vault release, and that people run by
// hand to unseal a Shamir-sealed Vault after a restart (`npm run vault:unseal`). It reaches
// Vault through the API server's proxy with the cluster's kubeconfig, and prints only
// the steps it took, never a secret value.
//
//   configure: VAULT_APPS (JSON, secret), KUBECONFIG_CONTENT or KUBECONFIG, KUBE_CONTEXT
//   unseal:    --context <name> (kubeconfig from $KUBECONFIG or ~/.kube/config)

import { PLATFORM_ENDPOINTS } from '../../config/platform';
import {
  credentialsFromFile,
  defaultKubeconfigPath,
  HttpSend,
  kubeApi,
  KubeCredentials,
  resolveKubeconfig,
  viaProxy,
} from '../../kube/kube-api';
import { configureVault, initAndUnseal, secretInitStore, VaultConfiguration } from './configure';

/** Name of the Secret that keeps Vault's init material, in Vault's namespace. */
export const INIT_SECRET = 'vault-init';
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

function credentials(env: NodeJS.ProcessEnv, context: string): KubeCredentials {
  if (env.KUBECONFIG_CONTENT) return resolveKubeconfig(env.KUBECONFIG_CONTENT, context);
  return credentialsFromFile(defaultKubeconfigPath(env), context);
}

function parseApps(text: string | undefined): VaultConfiguration['apps'] {
  if (!text) throw new Error('VAULT_APPS is not set');
  const apps: unknown = JSON.parse(text);
  if (!Array.isArray(apps)) throw new Error('VAULT_APPS must be a JSON array');
  return apps as VaultConfiguration['apps'];
}

export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const [mode, ...rest] = argv;
  const flag = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const context = flag('context') ?? env.KUBE_CONTEXT ?? 'minikube';
  const namespace = PLATFORM_ENDPOINTS.vault.namespace;
  const api = kubeApi(credentials(env, context));
  const base = {
    vault: vaultVia(api),
    initStore: secretInitStore(api, namespace, INIT_SECRET),
  };
  if (mode === 'unseal') {
    const report: string[] = [];
    await initAndUnseal(base, report);
    return report;
  }
  if (mode === 'configure') {
    return configureVault({
      ...base,
      kubernetes: { host: 'https://kubernetes.default.svc' },
      kvMount: 'secret',
      apps: parseApps(env.VAULT_APPS),
    });
  }
  throw new Error(`usage: cli.ts configure | unseal [--context <name>] (got "${mode ?? ''}")`);
}

if (require.main === module) {
  run(process.argv.slice(2), process.env).then(
    (report) => report.forEach((line) => console.error(`vault: ${line}`)),
    (error: unknown) => {
      console.error(`vault: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
