import { Volume } from '../imports/k8s';
import { ResolvedSpringApi } from './props';

const PREFIX = 'vault.hashicorp.com';

/** Folder the API reads secret properties from, one file per property (Spring config tree). */
export const SECRETS_DIR = '/etc/spring-api/secrets';

/** Projected token volume the Vault agent logs in with; the API container never mounts it. */
export const VAULT_TOKEN_VOLUME = 'vault-token';

/**
 * Resources of the injected agent. Set explicitly rather than left to the injector's defaults,
 * so the namespace quota and LimitRange are computed from numbers this repo controls.
 */
export const VAULT_AGENT_RESOURCES = {
  cpuRequest: '50m',
  cpuLimit: '250m',
  memoryRequest: '64Mi',
  memoryLimit: '128Mi',
} as const;

/** Go template rendering one KV v2 key as the whole file, with no trailing newline. */
export function vaultTemplate(path: string, property: string): string {
  return `{{- with secret "${path}" -}}{{ index .Data.data "${property}" }}{{- end -}}`;
}

/**
 * One application's access to Vault, declared by the apps layer and read by everything else:
 * the pod's injector annotations (below), the platform's Vault resources (policy, role, KV
 * secret: infra/platform/vault/settings.ts) and verify's checks against a real server.
 */
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

/** Parameters of `auth/kubernetes/role/<role>`, as the Vault HTTP API takes them. */
export function appRoleParameters(access: AppVaultAccess): Record<string, string> {
  return {
    bound_service_account_names: access.serviceAccount,
    bound_service_account_namespaces: access.namespace,
    audience: access.audience,
    policies: access.role,
    token_ttl: access.ttl ?? '10m',
  };
}

/**
 * What Vault must grant the API, as typed data: the one source for both the pod's injector
 * annotations (below) and the platform's Vault resources (policy, role, KV secret), which
 * infra/index.ts creates with the platform's Vault provider. Undefined when the profile
 * delivers no secrets by Vault.
 */
export function vaultAccess(api: ResolvedSpringApi): AppVaultAccess | undefined {
  const delivery = api.secretDelivery;
  if (delivery.kind !== 'vault') return undefined;
  return {
    role: delivery.role,
    namespace: api.namespace,
    // The workload's ServiceAccount is named after the API (workload.ts).
    serviceAccount: api.name,
    kvDataPath: delivery.path,
    audience: api.platform.vault.tokenAudience,
    secretProperties: api.secretProperties,
  };
}

/**
 * Pod annotations for the Vault agent injector. The agent runs only as an init container
 * (pre-populate-only): Spring Boot reads its config tree once at start-up, so a sidecar that
 * re-renders files would cost memory without changing anything; rotation is a rollout.
 */
export function vaultAnnotations(
  api: ResolvedSpringApi,
  access: AppVaultAccess,
): Record<string, string> {
  const uid = String(api.runAsUser);
  const annotations: Record<string, string> = {
    [`${PREFIX}/agent-inject`]: 'true',
    [`${PREFIX}/agent-pre-populate-only`]: 'true',
    [`${PREFIX}/role`]: access.role,
    [`${PREFIX}/secret-volume-path`]: SECRETS_DIR,
    [`${PREFIX}/agent-service-account-token-volume-name`]: VAULT_TOKEN_VOLUME,
    // Files owned by the API's own user, readable by it alone.
    [`${PREFIX}/agent-run-as-user`]: uid,
    [`${PREFIX}/agent-run-as-group`]: uid,
    [`${PREFIX}/agent-requests-cpu`]: VAULT_AGENT_RESOURCES.cpuRequest,
    [`${PREFIX}/agent-limits-cpu`]: VAULT_AGENT_RESOURCES.cpuLimit,
    [`${PREFIX}/agent-requests-mem`]: VAULT_AGENT_RESOURCES.memoryRequest,
    [`${PREFIX}/agent-limits-mem`]: VAULT_AGENT_RESOURCES.memoryLimit,
  };
  for (const property of access.secretProperties) {
    annotations[`${PREFIX}/agent-inject-secret-${property}`] = access.kvDataPath;
    annotations[`${PREFIX}/agent-inject-template-${property}`] = vaultTemplate(
      access.kvDataPath,
      property,
    );
    annotations[`${PREFIX}/agent-inject-perms-${property}`] = '0400';
  }
  return annotations;
}

/** Short-lived, audience-bound service account token for the agent only. */
export function vaultTokenVolume(access: AppVaultAccess): Volume {
  return {
    name: VAULT_TOKEN_VOLUME,
    projected: {
      sources: [
        {
          serviceAccountToken: {
            path: 'token',
            audience: access.audience,
            expirationSeconds: 600,
          },
        },
      ],
    },
  };
}
