// The names and values the platform's PostgreSQL is built from: the operator's namespace, the
// database chart's values per target and environment, and what Pulumi computes for it. Pure
// data and functions, shared by the Pulumi code, the footprint, verify and the tests.
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ClusterTarget, EnvironmentName } from '../../config/environments';
import { CHARTS_DIR, wrapperChart } from '../charts';
import { merge, Values } from '../footprint-values';

/** Where the CloudNativePG operator runs (charts/cloudnative-pg). */
export const DATABASE_OPERATOR_NAMESPACE = 'cnpg-system';

/** The basic-auth Secret the Cluster bootstraps its owner from (username and password). */
export const DATABASE_APP_SECRET = 'spring-api-db-app';

/** The Secret with the backup service account's key (gcp), key `credentials.json`. */
export const DATABASE_BACKUP_SECRET = 'spring-api-db-backup-gcs';

/** The database chart. */
export const DATABASE_CHART = 'spring-api-database';

/**
 * The chart's values files Helm merges, in order, relative to the project: the target's (backups)
 * then the environment's (instances, synchronous replication, size).
 */
export function databaseValuesFiles(
  target: ClusterTarget,
  environment: EnvironmentName,
): readonly string[] {
  return [`values-${target}.yaml`, `values-${environment}.yaml`].map(
    (f) => `charts/${DATABASE_CHART}/${f}`,
  );
}

/**
 * The values Pulumi computes for the database chart: on gcp the bucket the stack created, as
 * barman's destination. A GitOps install sets the same key (charts/README.md).
 */
export function databaseChartValues(
  target: ClusterTarget,
  bucket?: pulumi.Input<string>,
): Record<string, unknown> {
  if (target !== 'gcp') return {};
  if (bucket === undefined) throw new Error('the gcp database chart needs its backup bucket');
  return {
    backup: {
      destinationPath:
        typeof bucket === 'string' ? `gs://${bucket}` : pulumi.interpolate`gs://${bucket}`,
    },
  };
}

/** The database chart's values as Helm merges them for a target and an environment. */
export function databaseValues(
  target: ClusterTarget,
  environment: EnvironmentName,
  chartsDir = CHARTS_DIR,
): Values {
  const chart = wrapperChart(DATABASE_CHART, chartsDir);
  const envFile = join(chart.path, `values-${environment}.yaml`);
  const envValues = (parse(readFileSync(envFile, 'utf8')) ?? {}) as Values;
  return [...chart.values(target), envValues].reduce<Values>((a, b) => merge(a, b), {});
}

/** Days in a barman retention policy (`14d`, `2w`, `1m`; a month counted as 31 days). */
export function retentionDays(policy: string): number {
  const match = /^([1-9][0-9]*)([dwm])$/.exec(policy);
  if (!match)
    throw new Error(
      `charts/${DATABASE_CHART} backup.retentionPolicy = "${policy}" is invalid: must be a number of days, weeks or months such as "14d"`,
    );
  const unit = { d: 1, w: 7, m: 31 }[match[2] as 'd' | 'w' | 'm'];
  return Number(match[1]) * unit;
}
