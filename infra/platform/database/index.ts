// The API's PostgreSQL, provided by the platform: the CloudNativePG operator (charts/cloudnative-pg),
// the owner's Secret, on gcp the backup bucket and its credentials, then the Cluster, its backups,
// PodMonitor and alerts (charts/spring-api-database). Order, by dependsOn:
//   namespaces -> Prometheus CRDs -> operator (its CRDs and webhooks ready)
//   -> Secrets (+ gcp: bucket, identity) + (gcp) storage -> database.
// minikube keeps no backups.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { EnvironmentName } from '../../config/environments';
import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { Cluster } from '../../cluster/cluster';
import { wrapperChart } from '../charts';
import { databaseBackups } from './backups';
import {
  DATABASE_APP_SECRET,
  DATABASE_CHART,
  DATABASE_OPERATOR_NAMESPACE,
  databaseChartValues,
  databaseValues,
  databaseValuesFiles,
  retentionDays,
} from './settings';

export interface PlatformDatabaseArgs {
  readonly cluster: Cluster;
  readonly environment: EnvironmentName;
  /** The owner's password: the Output Vault serves the API (dev: .secrets/dev.json's value). */
  readonly password: pulumi.Input<string>;
  /** Options for a resource in the cluster that waits for these besides the cluster itself. */
  readonly after: (...deps: pulumi.Resource[]) => pulumi.CustomResourceOptions;
  /** The platform's namespaces (cnpg-system and databases among them). */
  readonly namespaces: readonly pulumi.Resource[];
  /** The Prometheus Operator CRDs: the PodMonitors and the PrometheusRule need them. */
  readonly crds: pulumi.Resource;
  /** The default StorageClass (gcp), which the database's volumes use. */
  readonly storage: readonly pulumi.Resource[];
}

export interface PlatformDatabase {
  readonly operator: pulumi.Resource;
  readonly database: pulumi.Resource;
  /** The backup bucket's name (gcp). */
  readonly backupBucket?: pulumi.Output<string>;
}

export function platformDatabase(
  parent: pulumi.Resource,
  args: PlatformDatabaseArgs,
): PlatformDatabase {
  const { cluster, after } = args;
  const target = cluster.networking.kind;
  const db = PLATFORM_ENDPOINTS.database;

  const operatorChart = wrapperChart('cloudnative-pg');
  // helm.v4.Chart: its CRDs are registered first, so the Cluster below is a known kind even at
  // preview; the chart has no hooks. Waiting for it means its Deployment is ready, hence the
  // webhooks that validate the Cluster answer.
  const operator = new k8s.helm.v4.Chart(
    'cloudnative-pg',
    {
      chart: 'charts/cloudnative-pg',
      namespace: DATABASE_OPERATOR_NAMESPACE,
      ...(operatorChart.dependencies.length > 0 ? { dependencyUpdate: true } : {}),
    },
    after(args.crds, ...args.namespaces),
  );

  const appSecret = new k8s.core.v1.Secret(
    DATABASE_APP_SECRET,
    {
      metadata: {
        name: DATABASE_APP_SECRET,
        namespace: db.namespace,
        labels: { 'app.kubernetes.io/part-of': 'k8s-platform' },
      },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: db.owner, password: pulumi.secret(args.password) },
    },
    after(...args.namespaces),
  );

  const backups =
    cluster.networking.kind === 'gcp'
      ? databaseBackups(
          parent,
          cluster.networking,
          cluster.provider,
          retentionDays(
            String(
              (databaseValues('gcp', args.environment).backup as { retentionPolicy?: unknown })
                ?.retentionPolicy,
            ),
          ),
          after(...args.namespaces),
        )
      : undefined;

  const database = new k8s.helm.v4.Chart(
    DATABASE_CHART,
    {
      chart: `charts/${DATABASE_CHART}`,
      namespace: db.namespace,
      valueYamlFiles: databaseValuesFiles(target, args.environment).map(
        (f) => new pulumi.asset.FileAsset(f),
      ),
      values: databaseChartValues(target, backups?.bucket),
    },
    after(
      operator,
      args.crds,
      appSecret,
      ...args.storage,
      ...(backups ? [backups.credentials] : []),
    ),
  );
  return { operator, database, ...(backups ? { backupBucket: backups.bucket } : {}) };
}
