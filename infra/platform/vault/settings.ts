// Vault's configuration as Pulumi resources, so that `pulumi preview` shows a change, `refresh`
// sees drift and `destroy` removes it: the Kubernetes auth method and its config, the KV v2
// mount, and for each app its policy, its role and its secret. Everything derives from the app's
// typed access (AppVaultAccess, declared by the apps layer); the provider brings the address and
// the scoped token (./index.ts).
import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { AppVaultAccess, appPolicyHcl, kvLocation } from './app-access';
import { VAULT_MOUNTS } from './pulumi-policy';

/** An application whose secrets the platform keeps in Vault. */
export interface VaultApp {
  readonly access: AppVaultAccess;
  /** One value per secret Spring property (secret outputs). */
  readonly secrets: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface VaultSettingsArgs {
  readonly apps: readonly VaultApp[];
  /** The API server as Vault's pods reach it. @default "https://kubernetes.default.svc" */
  readonly kubernetesHost?: string;
}

/** Lifetime of an app's Vault token, in seconds (the agent only logs in at pod start). */
export const APP_TOKEN_TTL_SECONDS = 600;

export class VaultSettings extends pulumi.ComponentResource {
  /** Every app's secret, by role. */
  readonly secrets: Readonly<Record<string, vault.kv.SecretV2>>;

  constructor(
    name: string,
    args: VaultSettingsArgs,
    provider: vault.Provider,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('k8s-platform:platform:VaultSettings', name, {}, opts);
    const o = { parent: this, provider };
    const auth = new vault.AuthBackend(
      `${name}-kubernetes-auth`,
      { type: 'kubernetes', path: VAULT_MOUNTS.kubernetesAuth },
      o,
    );
    // Vault reviews app tokens with its own service account's token and CA (read in its pod),
    // which the Vault chart binds to system:auth-delegator.
    const authConfig = new vault.kubernetes.AuthBackendConfig(
      `${name}-kubernetes-config`,
      {
        backend: auth.path,
        kubernetesHost: args.kubernetesHost ?? 'https://kubernetes.default.svc',
      },
      o,
    );
    const kv = new vault.Mount(
      `${name}-kv`,
      {
        path: VAULT_MOUNTS.kv,
        type: 'kv',
        options: { version: '2' },
        description: 'Application secrets (KV v2), one path per app',
      },
      o,
    );
    const secrets: Record<string, vault.kv.SecretV2> = {};
    for (const app of args.apps) {
      const { access } = app;
      const { mount, name: secretName } = kvLocation(access);
      if (mount !== VAULT_MOUNTS.kv)
        throw new Error(
          `kvDataPath "${access.kvDataPath}" of role ${access.role} is under mount "${mount}"; the platform mounts KV v2 at "${VAULT_MOUNTS.kv}/" only`,
        );
      const policy = new vault.Policy(
        `${name}-policy-${access.role}`,
        { name: access.role, policy: appPolicyHcl(access) },
        o,
      );
      new vault.kubernetes.AuthBackendRole(
        `${name}-role-${access.role}`,
        {
          backend: auth.path,
          roleName: access.role,
          boundServiceAccountNames: [access.serviceAccount],
          boundServiceAccountNamespaces: [access.namespace],
          audience: access.audience,
          tokenPolicies: [policy.name],
          tokenTtl: APP_TOKEN_TTL_SECONDS,
        },
        { ...o, dependsOn: [authConfig] },
      );
      secrets[access.role] = new vault.kv.SecretV2(
        `${name}-secret-${access.role}`,
        {
          mount: kv.path,
          name: secretName,
          dataJson: pulumi.secret(
            pulumi.output(app.secrets).apply((values) => JSON.stringify(values)),
          ),
          deleteAllVersions: true,
        },
        o,
      );
    }
    this.secrets = secrets;
    this.registerOutputs({});
  }
}
