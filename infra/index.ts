// The Pulumi program (`pulumi up`). Data flows one way: config -> cluster -> platform -> apps.
// The configuration is validated first; a bad value stops the program before any resource is
// registered. The cluster layer ends in a k8s.Provider, which is all the platform layer sees.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { devSecretsFile, loadDevSecrets } from './apps/dev-secrets';
import { API_KEY_PROPERTY, DEV_SECRET_PROPERTIES, springApiProfiles } from './apps/environments';
import { renderAll } from './apps/render';
import { DATABASE_PASSWORD_PROPERTY } from './apps/spring-api/database-rules';
import { vaultAccess } from './apps/spring-api/vault';
import { Cluster } from './cluster/cluster';
import { GcpCluster } from './cluster/gcp';
import { minikubeCluster } from './cluster/minikube';
import { CertificateConfig, readCertificateConfig } from './config/certificates';
import { readTogether } from './config/errors';
import { readGcpConfig } from './config/gcp';
import { refuseUnknownKeys } from './config/keys';
import { readStackConfig, StackConfig } from './config/stack';
import { databasePasswordFor } from './platform/database/password';
import { refuseOversizedPlatform } from './platform/footprint';
import { Platform } from './platform/platform';
import { VaultAppSecrets } from './platform/vault/settings';

const root = resolve(__dirname, '..');
// Keys first: a misspelt key leaves the value it was meant to set unread, so the other values
// are only judged once every key under the namespace is one the program reads.
refuseUnknownKeys(
  pulumi.runtime.allConfig(),
  'k8s-platform',
  readFileSync(resolve(root, 'Pulumi.yaml'), 'utf8'),
);
const config = new pulumi.Config('k8s-platform');
const stack = readStackConfig((key) => config.get(key));

/** Secret stack config keys for the API's secret properties; unset ones are generated. */
const SECRET_CONFIG: Readonly<Record<string, string>> = {
  [API_KEY_PROPERTY]: 'apiKey',
  [DATABASE_PASSWORD_PROPERTY]: 'databasePassword',
};

/** The cluster, and the issuer behind platform-tls (its keys read with the gcp ones, in one pass). */
function clusterFor(s: StackConfig): {
  cluster: Cluster;
  gcp?: GcpCluster;
  certificates: CertificateConfig;
} {
  const readCertificates = () => readCertificateConfig(s.target, (key) => config.get(key));
  if (s.target === 'minikube')
    return { cluster: minikubeCluster(s), certificates: readCertificates() };
  const [gcpConfig, certificates] = readTogether(
    () => readGcpConfig((key) => config.get(key)),
    readCertificates,
  );
  // Refused before anything is registered: workers the platform would fill beyond a third.
  refuseOversizedPlatform(gcpConfig.workers.count, gcpConfig.workers.machineType);
  const gcp = new GcpCluster('cluster', gcpConfig);
  return { cluster: gcp.cluster, gcp, certificates };
}

const built = clusterFor(stack);
const cluster = built.cluster;
const devSecrets =
  stack.environment === 'dev' ? loadDevSecrets(devSecretsFile(root), DEV_SECRET_PROPERTIES) : {};
const [app] = renderAll({ [stack.environment]: springApiProfiles(devSecrets)[stack.environment] });

// The API's Vault access, typed data from its profile: the same object its pod annotations
// were rendered from. Each secret property's value comes from secret stack config, or is
// generated; its policy, role and secret go into the platform's Vault (below).
const access = app ? vaultAccess(app.resolved) : undefined;
const vaultSecrets: Record<string, pulumi.Output<string>> = access
  ? Object.fromEntries(
      access.secretProperties.map((property) => {
        const key = SECRET_CONFIG[property];
        const given = key ? config.getSecret(key) : undefined;
        const value =
          given ??
          new random.RandomPassword(`${access.role}-${property}`, {
            length: 32,
            special: false,
          }).result;
        return [property, pulumi.secret(value)];
      }),
    )
  : {};

const platform = new Platform('platform', {
  cluster,
  certificates: built.certificates,
  environment: stack.environment,
  // The database owner's password: the very Output written to Vault (dev: .secrets/dev.json).
  databasePassword: databasePasswordFor(vaultSecrets, devSecrets),
});
if (access)
  new VaultAppSecrets('vault-config', { access, secrets: vaultSecrets }, platform.vault, {
    parent: platform,
  });

if (stack.deployApp && app) {
  // A one-command demo: the same objects `npm run synth` writes, applied by Pulumi.
  new k8s.yaml.v2.ConfigGroup(
    'spring-api',
    { objs: app.objects.map((o) => ({ ...o })) },
    { provider: cluster.provider, dependsOn: [platform] },
  );
}

export const environment = stack.environment;
export const target = stack.target;
export const ingressAddress = platform.ingressAddress;
export const grafana = platform.grafanaCommand;
export const grafanaAdminPassword = platform.grafanaAdminPassword;
export const vault = platform.vaultCommand;
/** How to log in to Headlamp: a read-only token, then the port-forward (infra/platform/headlamp.ts). */
export const headlamp = platform.headlampCommand;
export const controlPlaneAddress = built.gcp?.controlPlaneAddress;
/** The admin kubeconfig (gcp; secret): pulumi stack output kubeconfig --show-secrets. */
export const kubeconfig = built.gcp?.kubeconfig;
export const metallbPoolRange = built.gcp?.metallbPoolRange;
export const nodeSshCommands = built.gcp?.sshCommands;
/** The bucket the control plane writes etcd snapshots to (gcp; restore: infra/cluster/README.md). */
export const etcdSnapshotBucket = built.gcp?.etcdSnapshotBucket;
/** The bucket of the database's WAL archive and base backups (gcp; restore: infra/platform/database/README.md). */
export const databaseBackupBucket = platform.databaseBackupBucket;
