// What Vault must hold for an application that reads its secrets through the agent injector:
// a policy that reads exactly one KV v2 path, and a Kubernetes-auth role bound to the app's
// service account, namespace and token audience. The platform layer applies these; `npm run
// verify` applies the same to a real Vault-compatible server and checks what they allow.

/** One application's access to Vault. */
export interface AppVaultAccess {
  /** Role name, also the policy name (the app's `vault.hashicorp.com/role`). */
  readonly role: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** KV v2 data path, e.g. `secret/data/spring-api`. */
  readonly kvDataPath: string;
  /** Audience the app's projected token carries. */
  readonly audience: string;
  /** Secret Spring properties kept at the path, one KV key each (one file each in the pod). */
  readonly secretProperties: readonly string[];
  /** Lifetime of the Vault token a login returns. @default "10m" */
  readonly ttl?: string;
}

/** The KV v2 mount and the secret's name under it: `secret/data/a/b` -> `secret`, `a/b`. */
export function kvLocation(access: AppVaultAccess): { mount: string; name: string } {
  const match = /^([^/]+)\/data\/(.+)$/.exec(access.kvDataPath);
  if (!match?.[1] || !match[2])
    throw new Error(
      `kvDataPath "${access.kvDataPath}" of role ${access.role} is not a KV v2 data path "<mount>/data/<name>"`,
    );
  return { mount: match[1], name: match[2] };
}

/** Policy HCL granting read on the app's own path and nothing else. */
export function appPolicyHcl(access: AppVaultAccess): string {
  return `path "${access.kvDataPath}" {\n  capabilities = ["read"]\n}\n`;
}

/** Parameters of `auth/kubernetes/role/<role>`. */
export function appRoleParameters(access: AppVaultAccess): Record<string, string> {
  return {
    bound_service_account_names: access.serviceAccount,
    bound_service_account_namespaces: access.namespace,
    audience: access.audience,
    policies: access.role,
    token_ttl: access.ttl ?? '10m',
  };
}
