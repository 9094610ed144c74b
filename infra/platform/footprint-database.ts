// The application's database beside the platform's footprint: the instances CloudNativePG runs
// from charts/spring-api-database in an environment. Each instance pod has the postgres
// container and the bootstrap-controller init container, both with the Cluster's
// spec.resources (CloudNativePG 1.28.1, pkg/specs/pods.go and containers.go), so one pod requests
// exactly those resources.
import { ClusterTarget, EnvironmentName } from '../config/environments';
import { databaseValues, DATABASE_CHART } from './database/settings';
import { at, podRequests, Requests, requestsOf, sum } from './footprint-values';

export interface DatabaseShare {
  readonly environment: EnvironmentName;
  readonly source: string;
  readonly object: string;
  readonly instances: number;
  readonly perPod: Requests;
}

/** The database's instances in an environment, with one pod's requests. */
export function databaseShare(
  environment: EnvironmentName,
  target: ClusterTarget,
  chartsDir?: string,
): DatabaseShare {
  const values = databaseValues(target, environment, chartsDir);
  const resources = requestsOf(
    at(values, 'resources'),
    `charts/${DATABASE_CHART} (${target}, ${environment}) Cluster, container postgres (values resources)`,
  );
  return {
    environment,
    source: `charts/${DATABASE_CHART}`,
    object: `Cluster ${String(at(values, 'name'))}`,
    instances: Number(at(values, 'instances')),
    perPod: podRequests([resources], [resources]),
  };
}

/** `perPod` times `count`. */
export function times(perPod: Requests, count: number): Requests {
  return { cpuMillis: perPod.cpuMillis * count, memoryMiB: perPod.memoryMiB * count };
}

/** Everything on the workers plus the application: its database and the API at most replicas. */
export function withApplication(
  total: Requests,
  database: DatabaseShare,
  api: { readonly maxReplicas: number; readonly perPod: Requests },
): Requests {
  return sum([
    total,
    times(database.perPod, database.instances),
    times(api.perPod, api.maxReplicas),
  ]);
}
