// The policy of the token Pulumi's Vault provider runs with: the auth method, the KV mount and
// every app's policy, role and secret, which is what the platform's Vault resources (./settings.ts)
// create, read, change and delete. It is fixed (globs over app names) because after the first run
// nothing privileged is left to rewrite it: the root token is revoked, and Vault 2.0 and OpenBao
// 2.5+ refuse generate-root by default. Two limits, inherent to any token that manages policies:
// it could write an app policy granting more, and bind a role to it; the deny rules below only
// stop it from touching its own policy and its own login path.

/** Name of the policy (and of the Kubernetes-auth role the init step logs in with). */
export const PULUMI_POLICY = 'k8s-platform-pulumi';

/** Where the Kubernetes auth method and the KV v2 engine are mounted. */
export const VAULT_MOUNTS = { kubernetesAuth: 'kubernetes', kv: 'secret' } as const;

/**
 * How the init step gets the Pulumi token in every run after the first: a short-lived token of
 * this service account (TokenRequest, with the deployer's kubeconfig), exchanged at a Kubernetes
 * auth mount of its own, which the Pulumi token cannot change.
 */
export const PULUMI_LOGIN = {
  mount: 'kubernetes-deployer',
  role: PULUMI_POLICY,
  namespace: 'vault',
  serviceAccount: 'k8s-platform-pulumi',
  audience: 'vault',
  ttl: '1h',
} as const;

const CRUD = '"create", "read", "update", "delete"';

function rule(path: string, capabilities: string): string {
  return `path "${path}" {\n  capabilities = [${capabilities}]\n}\n`;
}

/** Policy HCL for the Pulumi token. */
export function pulumiPolicyHcl(): string {
  const auth = VAULT_MOUNTS.kubernetesAuth;
  const kv = VAULT_MOUNTS.kv;
  return [
    rule('sys/auth', '"read"'),
    rule(`sys/auth/${auth}`, `${CRUD}, "sudo"`),
    rule(`sys/auth/${auth}/tune`, '"read", "update"'),
    rule(`auth/${auth}/config`, CRUD),
    rule(`auth/${auth}/role/*`, `${CRUD}, "list"`),
    rule('sys/mounts', '"read"'),
    rule(`sys/mounts/${kv}`, CRUD),
    rule(`sys/mounts/${kv}/tune`, '"read", "update"'),
    rule('sys/policies/acl/*', `${CRUD}, "list"`),
    rule(`sys/policies/acl/${PULUMI_POLICY}`, '"deny"'),
    rule(`${kv}/data/*`, CRUD),
    rule(`${kv}/metadata/*`, `${CRUD}, "list"`),
  ].join('\n');
}
