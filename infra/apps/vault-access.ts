// What Vault must grant an environment's API, read back from its rendered manifests (the
// injector annotations and the pod's service account), so the platform layer's Vault
// configuration and `npm run verify` follow whatever the apps layer renders.
import { PLATFORM_ENDPOINTS } from '../config/platform';
import { AppVaultAccess } from '../platform/vault/app-access';
import { ManifestObject } from './render';

const INJECT_SECRET = 'vault.hashicorp.com/agent-inject-secret-';

/** The app's Vault access and secret keys, or undefined when it takes no secrets from Vault. */
export function vaultAccessOf(
  objects: readonly ManifestObject[],
): { access: AppVaultAccess; secretKeys: string[] } | undefined {
  const deployment = objects.find((o) => o.kind === 'Deployment') as
    | {
        metadata: { namespace?: string };
        spec: {
          template: {
            metadata?: { annotations?: Record<string, string> };
            spec: { serviceAccountName?: string };
          };
        };
      }
    | undefined;
  const annotations = deployment?.spec.template.metadata?.annotations ?? {};
  if (annotations['vault.hashicorp.com/agent-inject'] !== 'true') return undefined;
  const secretKeys = Object.keys(annotations)
    .filter((a) => a.startsWith(INJECT_SECRET))
    .map((a) => a.slice(INJECT_SECRET.length));
  const paths = new Set(secretKeys.map((k) => annotations[`${INJECT_SECRET}${k}`]));
  if (paths.size !== 1)
    throw new Error(
      `the API's injector annotations name ${paths.size} Vault paths; one is expected`,
    );
  return {
    access: {
      role: annotations['vault.hashicorp.com/role'] ?? '',
      namespace: deployment?.metadata.namespace ?? '',
      serviceAccount: deployment?.spec.template.spec.serviceAccountName ?? '',
      kvDataPath: [...paths][0] ?? '',
      audience: PLATFORM_ENDPOINTS.vault.tokenAudience,
    },
    secretKeys,
  };
}
