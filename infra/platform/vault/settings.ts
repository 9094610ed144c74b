// Vault's configuration as Pulumi resources, so that `pulumi preview` shows a change, `refresh`
// sees drift and `destroy` removes it. The platform's part (VaultSettings): the Kubernetes auth
// method and its config, and the KV v2 mount. Each app's part (VaultAppSecrets): its policy, its
// role and its secret, all derived from the app's typed access (AppVaultAccess, declared by the
// apps layer); infra/index.ts creates it with the handle the platform exposes (`Platform.vault`).
import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { AppVaultAccess, appPolicyHcl, kvLocation } from '../../apps/spring-api/vault';
import { VAULT_MOUNTS } from './pulumi-policy';

export interface VaultSettingsArgs {
  /** The API server as Vault's pods reach it. @default "https://kubernetes.default.svc" */
  readonly kubernetesHost?: string;
}

/** Lifetime of an app's Vault token, in seconds (the agent only logs in at pod start). */
export const APP_TOKEN_TTL_SECONDS = 600;

export class VaultSettings extends pulumi.ComponentResource {
  /** The Vault provider (the scoped, short-lived Pulumi token through the tunnel). */
  readonly provider: vault.Provider;
  /** Kubernetes auth, once its config is written: where app roles go. */
  readonly kubernetesAuth: vault.AuthBackend;
  readonly kubernetesAuthConfig: vault.kubernetes.AuthBackendConfig;
  /** The KV v2 mount apps' secrets live in. */
  readonly kv: vault.Mount;

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
    this.provider = provider;
    this.kubernetesAuth = auth;
    this.kubernetesAuthConfig = authConfig;
    this.kv = kv;
    this.registerOutputs({});
  }
}

export interface VaultAppSecretsArgs {
  readonly access: AppVaultAccess;
  /** One value per secret Spring property (secret outputs). */
  readonly secrets: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * One app's Vault resources: a policy reading its KV path, a Kubernetes-auth role bound to its
 * service account, namespace and token audience, and its secret values at that path.
 */
export class VaultAppSecrets extends pulumi.ComponentResource {
  readonly secret: vault.kv.SecretV2;

  constructor(
    name: string,
    args: VaultAppSecretsArgs,
    settings: VaultSettings,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('k8s-platform:platform:VaultAppSecrets', name, {}, opts);
    const { access } = args;
    const { mount, name: secretName } = kvLocation(access);
    if (mount !== VAULT_MOUNTS.kv)
      throw new Error(
        `kvDataPath "${access.kvDataPath}" of role ${access.role} is under mount "${mount}"; the platform mounts KV v2 at "${VAULT_MOUNTS.kv}/" only`,
      );
    // These children sat under VaultSettings before; the alias keeps them from being replaced.
    const o = { parent: this, provider: settings.provider, aliases: [{ parent: settings }] };
    const policy = new vault.Policy(
      `${name}-policy-${access.role}`,
      { name: access.role, policy: appPolicyHcl(access) },
      o,
    );
    new vault.kubernetes.AuthBackendRole(
      `${name}-role-${access.role}`,
      {
        backend: settings.kubernetesAuth.path,
        roleName: access.role,
        boundServiceAccountNames: [access.serviceAccount],
        boundServiceAccountNamespaces: [access.namespace],
        audience: access.audience,
        tokenPolicies: [policy.name],
        tokenTtl: APP_TOKEN_TTL_SECONDS,
      },
      { ...o, dependsOn: [settings.kubernetesAuthConfig] },
    );
    this.secret = new vault.kv.SecretV2(
      `${name}-secret-${access.role}`,
      {
        mount: settings.kv.path,
        name: secretName,
        dataJson: pulumi.secret(
          pulumi.output(args.secrets).apply((values) => JSON.stringify(values)),
        ),
        deleteAllVersions: true,
      },
      o,
    );
    this.registerOutputs({});
  }
}
