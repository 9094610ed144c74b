// Vault's auto-unseal on gcp: a Cloud KMS key created by the stack, usable by one service
// account that exists for nothing else. Its key file is the only credential, kept as a Pulumi
// secret and in Secret vault/vault-kms, which only Vault's pods mount.
import * as gcp from '@pulumi/gcp';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { GcpNetworking } from '../../cluster/cluster';
import { needing } from '../../cluster/gcp/apis';

export interface VaultSeal {
  /** server.extraEnvironmentVars for the gcpckms seal. */
  readonly environment: Record<string, pulumi.Input<string>>;
  /** The Secret with the service account's key (Vault waits for it). */
  readonly credentials: pulumi.Resource;
  readonly cryptoKey: gcp.kms.CryptoKey;
}

export function vaultKmsSeal(
  parent: pulumi.Resource,
  net: GcpNetworking,
  provider: k8s.Provider,
  opts: pulumi.CustomResourceOptions,
): VaultSeal {
  const base = { parent, provider: net.gcpProvider };
  const g = needing(base, net.apis, 'kms');
  const stack = pulumi
    .getStack()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 18);
  // Key rings and keys cannot be deleted in Cloud KMS, only their versions destroyed: the name
  // carries the stack, and the key is protected so that no `pulumi destroy` strands Vault's data.
  const keyRing = new gcp.kms.KeyRing(
    'vault',
    { name: `vault-${stack}`, location: net.region, project: net.project },
    g,
  );
  const cryptoKey = new gcp.kms.CryptoKey(
    'vault-unseal',
    {
      name: 'vault-unseal',
      keyRing: keyRing.id,
      purpose: 'ENCRYPT_DECRYPT',
      rotationPeriod: `${90 * 24 * 3600}s`,
    },
    { ...g, protect: true },
  );
  const account = new gcp.serviceaccount.Account(
    'vault-kms',
    {
      accountId: `vault-kms-${stack}`.slice(0, 30).replace(/-+$/, ''),
      displayName: 'Vault auto-unseal (one KMS key, nothing else)',
      project: net.project,
    },
    needing(base, net.apis, 'iam'),
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;
  // Encrypt/decrypt with this key, and read its metadata (the seal checks the key at start).
  for (const role of ['roles/cloudkms.cryptoKeyEncrypterDecrypter', 'roles/cloudkms.viewer']) {
    new gcp.kms.CryptoKeyIAMMember(
      `vault-kms-${role.split('.').pop() ?? role}`,
      { cryptoKeyId: cryptoKey.id, role, member },
      g,
    );
  }
  const key = new gcp.serviceaccount.Key(
    'vault-kms',
    { serviceAccountId: account.name },
    needing(base, net.apis, 'iam'),
  );
  const credentials = new k8s.core.v1.Secret(
    'vault-kms',
    {
      metadata: { name: 'vault-kms', namespace: PLATFORM_ENDPOINTS.vault.namespace },
      type: 'Opaque',
      // privateKey is the key file, base64-encoded: exactly a Secret's data encoding.
      data: { 'credentials.json': pulumi.secret(key.privateKey) },
    },
    { ...opts, parent, provider },
  );
  return {
    environment: {
      GOOGLE_PROJECT: net.project,
      GOOGLE_REGION: net.region,
      VAULT_GCPCKMS_SEAL_KEY_RING: keyRing.name,
      VAULT_GCPCKMS_SEAL_CRYPTO_KEY: cryptoKey.name,
    },
    credentials,
    cryptoKey,
  };
}
