// Vault after its Helm release: the init step (a local Command: init, unseal, a scoped Pulumi
// token, root revoked), a Vault provider that reaches Vault through the program's loopback
// tunnel with that token, and the platform's configuration as resources (./settings.ts); each
// app's policy, role and secret are added to it by infra/index.ts.
import * as command from '@pulumi/command';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { Cluster, GcpNetworking, kubeconfigEnvironment } from '../../cluster/cluster';
import { repoScript } from '../../config/repo-command';
import { credentialsFromFile, HttpSend, kubeApi, resolveKubeconfig } from '../../kube/kube-api';
import { vaultVia } from './cli';
import { VaultSettings } from './settings';
import { vaultSnapshots } from './snapshots';
import { PULUMI_LOGIN } from './pulumi-policy';
import { newSealKey, openToken } from './token-seal';
import { openSharedVaultTunnel } from './tunnel';

export interface VaultConfigurationArgs {
  readonly cluster: Cluster;
  /** Where the init material goes: `file:<path>` or `gcp-secret:<project>/<secret>`. */
  readonly initStore: pulumi.Input<string>;
  /** The Vault release and whatever the init store needs. */
  readonly dependsOn: readonly pulumi.Resource[];
  /** A value that differs in every run, so the token step runs each time. @default Date.now() */
  readonly runId?: string;
  /** gcp: scheduled raft snapshots to a bucket in this project and region. */
  readonly snapshots?: GcpNetworking;
  /** Loopback port of the tunnel. @default 0 (any free port; the address is new in each run) */
  readonly tunnelPort?: number;
}

/** The Vault provider's address: the tunnel, opened once the kubeconfig is known. */
function tunnelAddress(cluster: Cluster, port: number): pulumi.Output<string> {
  const kubeconfig = cluster.kubeconfig;
  const content = 'path' in kubeconfig ? undefined : pulumi.output(kubeconfig.content);
  return (content ?? pulumi.output('')).apply(async (text) => {
    // Credentials are read at the first request, so a run that never reaches Vault (a preview
    // with nothing to refresh) does not need a readable kubeconfig.
    let send: HttpSend | undefined;
    const lazy: HttpSend = (method, path, body, headers) => {
      send ??= vaultVia(
        kubeApi(
          'path' in kubeconfig
            ? credentialsFromFile(kubeconfig.path, cluster.context)
            : resolveKubeconfig(text, cluster.context),
        ),
      );
      return send(method, path, body, headers);
    };
    return (await openSharedVaultTunnel(lazy, port)).address;
  });
}

export function vaultConfiguration(
  parent: pulumi.Resource,
  args: VaultConfigurationArgs,
): { token: command.local.Command; provider: vault.Provider; settings: VaultSettings } {
  const { cluster } = args;
  // The identity the init step logs in to Vault as, for the Pulumi token (PULUMI_LOGIN).
  const login = new k8s.core.v1.ServiceAccount(
    'vault-pulumi-login',
    {
      metadata: { name: PULUMI_LOGIN.serviceAccount, namespace: PULUMI_LOGIN.namespace },
      automountServiceAccountToken: false,
    },
    { parent, provider: cluster.provider, dependsOn: [...args.dependsOn, ...cluster.ready] },
  );
  const sealKey = newSealKey();
  const env: Record<string, pulumi.Input<string>> = {
    KUBE_CONTEXT: cluster.context,
    VAULT_INIT_STORE: args.initStore,
    VAULT_TOKEN_SEAL_KEY: pulumi.secret(sealKey),
    ...kubeconfigEnvironment(cluster),
  };
  const run = repoScript('infra/platform/vault/cli.ts', 'token');
  // Runs in every `pulumi up` (the trigger changes): each run gets a fresh token that expires
  // an hour later, so no long-lived Vault credential sits in the state.
  const token = new command.local.Command(
    'vault-token',
    {
      create: run.command,
      dir: run.dir,
      environment: env,
      triggers: [args.runId ?? String(Date.now())],
    },
    {
      parent,
      dependsOn: [...args.dependsOn, login, ...cluster.ready],
      additionalSecretOutputs: ['stdout'],
    },
  );
  const provider = new vault.Provider(
    'vault-api',
    {
      address: tunnelAddress(cluster, args.tunnelPort ?? 0),
      token: pulumi.secret(token.stdout.apply((out) => openToken(out, sealKey))),
      // The token is already short-lived and scoped; a child token would need one more grant.
      skipChildToken: true,
    },
    { parent },
  );
  const settings = new VaultSettings('vault-config', {}, provider, {
    parent,
    dependsOn: [token],
  });
  if (args.snapshots)
    vaultSnapshots(parent, args.snapshots, cluster.provider, provider, {
      dependsOn: args.dependsOn,
      vaultDependsOn: [settings],
    });
  return { token, provider, settings };
}
