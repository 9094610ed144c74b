// gcp: the Secret Manager secret that keeps Vault's recovery keys, encrypted with the stack's
// Vault KMS key (CMEK). The stack creates the empty secret; the init step (./init.ts) adds its
// one version with the deployer's gcloud credentials. Protected: deleting it would leave a
// Vault no one can generate a root token for.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpNetworking } from '../../cluster/cluster';
import { needing } from '../../cluster/gcp/apis';

export interface VaultInitSecret {
  /** The init step's store reference: `gcp-secret:<project>/<secret id>`. */
  readonly reference: pulumi.Output<string>;
  readonly secret: gcp.secretmanager.Secret;
}

export function vaultInitSecret(
  parent: pulumi.Resource,
  net: GcpNetworking,
  cryptoKey: gcp.kms.CryptoKey,
): VaultInitSecret {
  const base = { parent, provider: net.gcpProvider };
  const g = needing(base, net.apis, 'secretManager', 'kms');
  // Secret Manager encrypts with the key as its own service agent, which needs the key's role.
  const agent = new gcp.projects.ServiceIdentity(
    'vault-init-secretmanager-agent',
    { project: net.project, service: 'secretmanager.googleapis.com' },
    g,
  );
  const cmek = new gcp.kms.CryptoKeyIAMMember(
    'vault-init-cmek',
    {
      cryptoKeyId: cryptoKey.id,
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
      member: pulumi.interpolate`serviceAccount:${agent.email}`,
    },
    g,
  );
  const secretId = `vault-init-${pulumi
    .getStack()
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')}`;
  const secret = new gcp.secretmanager.Secret(
    'vault-init',
    {
      secretId,
      project: net.project,
      labels: { 'part-of': 'k8s-platform' },
      replication: {
        userManaged: {
          replicas: [
            { location: net.region, customerManagedEncryption: { kmsKeyName: cryptoKey.id } },
          ],
        },
      },
    },
    { ...g, dependsOn: [...(g.dependsOn as pulumi.Resource[]), cmek], protect: true },
  );
  return { reference: pulumi.interpolate`gcp-secret:${net.project}/${secret.secretId}`, secret };
}
