// What runs on the workers before the application does, and how much of them it asks for: the
// platform's add-ons (from the values files Helm installs, through the pod model of
// footprint-pods.ts), Calico (from the Installation the calico chart renders), kubeadm's
// kube-proxy and CoreDNS, and on gcp the PD CSI driver (its kustomize patch). `npm run footprint`
// prints the table; `refuseOversizedPlatform` stops a gcp stack whose workers it would fill
// beyond a third, and tests/platform/footprint.test.ts holds the defaults to that.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from '../apps/environments';
import { resolveSpringApi } from '../apps/spring-api/resolve';
import { VAULT_AGENT_RESOURCES } from '../apps/spring-api/vault';
import { KUBE_SYSTEM_PODS } from '../cluster/system-pods';
import { ClusterTarget, EnvironmentName } from '../config/environments';
import { ConfigError } from '../config/errors';
import { GCP_DEFAULTS } from '../config/gcp';
import { machineShape } from '../config/gcp-rules';
import { nodeAllocatable } from '../config/nodes';
import { CHARTS_DIR } from './charts';
import { DatabaseShare, databaseShare, withApplication } from './footprint-database';
import { checkRendered } from './footprint-render';
import { footprintTable, pct } from './footprint-table';
import { typhaReplicas, WORKLOADS } from './footprint-pods';
import {
  at,
  mergedValues,
  podRequests,
  Requests,
  requestsOf,
  sum,
  Values,
} from './footprint-values';

export type { Requests } from './footprint-values';

export interface FootprintRow {
  /** `platform`: the add-ons; `cluster`: what the cluster itself runs (CNI, kube-proxy, DNS). */
  readonly share: 'platform' | 'cluster';
  readonly source: string;
  readonly object: string;
  /** Pods on the workers (a DaemonSet: one per worker). */
  readonly pods: number;
  /** Requests of one pod. */
  readonly perPod: Requests;
}

/** The application's share beside it: the API's replicas (its database: DatabaseShare). */
export interface AppShare {
  readonly environment: EnvironmentName;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly perPod: Requests;
}

export interface Footprint {
  readonly workers: number;
  readonly rows: readonly FootprintRow[];
  readonly platform: Requests;
  /** Everything on the workers: the platform and the cluster's own pods. */
  readonly total: Requests;
  readonly allocatable: Requests;
  /** Shares of the allocatable, platform alone and everything. */
  readonly platformShare: { readonly cpu: number; readonly memory: number };
  readonly totalShare: { readonly cpu: number; readonly memory: number };
  readonly app: AppShare;
  /** The API's PostgreSQL in the same environment: the application's share too. */
  readonly database: DatabaseShare;
  /** Everything on the workers, the database, and the API at its most replicas. */
  readonly withApplication: Requests;
}

/** The minikube the README recommends (--cpus=4 --memory=8g); its kubelet reserves nothing. */
export const MINIKUBE_SHAPE: Requests = { cpuMillis: 4000, memoryMiB: 8192 };

const REPO_ROOT = resolve(__dirname, '..', '..');
const PD_CSI_PATCH = join(REPO_ROOT, 'infra', 'platform', 'storage', 'gce-pd', 'resources.yaml');

const asResources = (r: { cpu: string; memory: string; memoryLimit: string }) => ({
  requests: { cpu: r.cpu, memory: r.memory },
  limits: { memory: r.memoryLimit },
});

function chartRows(target: ClusterTarget, workers: number, chartsDir: string): FootprintRow[] {
  const cache = new Map<string, Values>();
  const valuesOf = (chart: string) =>
    cache.get(chart) ?? cache.set(chart, mergedValues(chart, target, chartsDir)).get(chart)!;
  const rows: FootprintRow[] = [];
  for (const w of WORKLOADS) {
    if (w.targets && !w.targets.includes(target)) continue;
    const values = valuesOf(w.chart);
    if (w.enabledBy && at(values, w.enabledBy) === false) continue;
    const where = (c: { name: string; resources: string }) =>
      `charts/${w.chart} (${target}) ${w.object}, container ${c.name} (values ${c.resources})`;
    const each = w.containers.map((c) => ({ c, r: requestsOf(at(values, c.resources), where(c)) }));
    if (w.replicas === 'job') continue;
    const perPod = podRequests(
      each.filter((e) => !e.c.init).map((e) => e.r),
      each.filter((e) => e.c.init).map((e) => e.r),
    );
    const pods =
      w.replicas === 'each-worker'
        ? workers
        : w.replicas === 'typha'
          ? typhaReplicas(workers + 1) // the control plane is a node too
          : typeof w.replicas === 'number'
            ? w.replicas
            : Number(at(values, w.replicas.slice('values:'.length)) ?? 1);
    const share = w.chart === 'calico' ? 'cluster' : 'platform';
    rows.push({ share, source: `charts/${w.chart}`, object: w.object, pods, perPod });
  }
  return rows;
}

/** The PD CSI driver's pods, from the kustomize patch that sets their requests. */
function pdCsiRows(workers: number): FootprintRow[] {
  const docs = parseAllDocuments(readFileSync(PD_CSI_PATCH, 'utf8')).map((d) => d.toJS() as Values);
  return docs.map((doc) => {
    const object = `${String(doc.kind)} ${String(at(doc, 'metadata.name'))}`;
    const containers = (at(doc, 'spec.template.spec.containers') ?? []) as Values[];
    const perPod = sum(
      containers.map((c) =>
        requestsOf(
          c.resources,
          `infra/platform/storage/gce-pd ${object}, container ${String(c.name)}`,
        ),
      ),
    );
    const pods = doc.kind === 'DaemonSet' ? workers : 1;
    return { share: 'platform', source: 'gce-pd-csi-driver', object, pods, perPod };
  });
}

/**
 * kubeadm's kube-proxy (one per worker) and CoreDNS. On minikube the one node is also the
 * control plane, so kubeadm's static pods count too, with the requests kubeadm gives them
 * (kube-apiserver 250m, kube-controller-manager 200m, kube-scheduler 100m, etcd 100m / 100Mi),
 * and minikube runs one CoreDNS.
 */
function kubeadmRows(target: ClusterTarget, workers: number): FootprintRow[] {
  const { kubeProxy, coreDns } = KUBE_SYSTEM_PODS;
  const row = (object: string, pods: number, perPod: Requests): FootprintRow => ({
    share: 'cluster',
    source: 'kubeadm',
    object,
    pods,
    perPod,
  });
  const rows = [
    row('DaemonSet kube-proxy', workers, requestsOf(asResources(kubeProxy), 'kube-proxy')),
    row(
      'Deployment coredns',
      target === 'minikube' ? 1 : coreDns.replicas,
      requestsOf(asResources(coreDns), 'coredns'),
    ),
  ];
  if (target === 'minikube')
    rows.push(row('static pods of the control plane', 1, { cpuMillis: 650, memoryMiB: 100 }));
  return rows;
}

/** The API's profile: its replicas and one pod's requests (the Vault agent is an init). */
export function appShare(environment: EnvironmentName): AppShare {
  // Resolved, so that what a profile leaves to the construct's defaults counts too; dev's local
  // secret values only have to exist for that, the footprint never reads them.
  const placeholders = Object.fromEntries(DEV_SECRET_PROPERTIES.map((p) => [p, 'unread']));
  const resolved = resolveSpringApi(springApiProfiles(placeholders)[environment]);
  const api = requestsOf(
    asResources({
      cpu: resolved.resources.cpuRequest,
      memory: resolved.resources.memoryRequest,
      memoryLimit: resolved.resources.memoryLimit,
    }),
    `spring-api (${environment})`,
  );
  const agent = requestsOf(
    asResources({
      cpu: VAULT_AGENT_RESOURCES.cpuRequest,
      memory: VAULT_AGENT_RESOURCES.memoryRequest,
      memoryLimit: VAULT_AGENT_RESOURCES.memoryLimit,
    }),
    'vault agent',
  );
  return {
    environment,
    minReplicas: resolved.autoscaling?.minReplicas ?? resolved.replicas,
    maxReplicas: resolved.autoscaling?.maxReplicas ?? resolved.replicas,
    perPod: podRequests([api], [agent]),
  };
}

function footprint(
  target: ClusterTarget,
  workers: number,
  allocatable: Requests,
  chartsDir: string,
): Footprint {
  const rows = [
    ...chartRows(target, workers, chartsDir),
    ...(target === 'gcp' ? pdCsiRows(workers) : []),
    ...kubeadmRows(target, workers),
  ];
  const totalOf = (list: readonly FootprintRow[]) =>
    sum(
      list.map((r) => ({
        cpuMillis: r.perPod.cpuMillis * r.pods,
        memoryMiB: r.perPod.memoryMiB * r.pods,
      })),
    );
  // minikube runs the dev profile; the gcp stacks staging and prod, prod the larger.
  const environment = target === 'minikube' ? 'dev' : 'prod';
  const app = appShare(environment);
  const database = databaseShare(environment, target, chartsDir);
  const platform = totalOf(rows.filter((r) => r.share === 'platform'));
  const total = totalOf(rows);
  const shareOf = (r: Requests) => ({
    cpu: r.cpuMillis / allocatable.cpuMillis,
    memory: r.memoryMiB / allocatable.memoryMiB,
  });
  return {
    workers,
    rows,
    platform,
    total,
    allocatable,
    platformShare: shareOf(platform),
    totalShare: shareOf(total),
    app,
    database,
    withApplication: withApplication(total, database, app),
  };
}

/** Everything on `workers` gcp workers of `machineType` (refused when the type is unknown). */
export function gcpFootprint(
  workers: number = GCP_DEFAULTS.workerCount,
  machineType: string = GCP_DEFAULTS.workerMachineType,
  chartsDir = CHARTS_DIR,
): Footprint {
  const node = nodeAllocatable(machineShape(machineType));
  const allocatable = { cpuMillis: workers * node.cpuMillis, memoryMiB: workers * node.memoryMiB };
  return footprint('gcp', workers, allocatable, chartsDir);
}

/** Everything on the one-node minikube the README recommends. */
export function minikubeFootprint(chartsDir = CHARTS_DIR): Footprint {
  return footprint('minikube', 1, MINIKUBE_SHAPE, chartsDir);
}

/**
 * Refuses (before anything is created) a gcp cluster whose workers the platform and the
 * cluster's own pods would take more than a third of, giving both figures.
 */
export function refuseOversizedPlatform(
  workers: number,
  machineType: string,
  chartsDir = CHARTS_DIR,
): void {
  const f = gcpFootprint(workers, machineType, chartsDir);
  const up = Math.ceil; // a request given in M (10^6 bytes) is a fraction of a MiB
  if (f.totalShare.cpu <= 1 / 3 && f.totalShare.memory <= 1 / 3) return;
  throw new ConfigError([
    {
      key: 'k8s-platform.workerMachineType',
      value: machineType,
      allowed:
        `a shape with room for applications: on ${workers} worker${workers === 1 ? '' : 's'} ` +
        `the platform would request ${up(f.total.cpuMillis)}m CPU / ${up(f.total.memoryMiB)}Mi of ` +
        `the workers' ${f.allocatable.cpuMillis}m / ${f.allocatable.memoryMiB}Mi allocatable ` +
        `(${pct(f.totalShare.cpu)} CPU, ${pct(f.totalShare.memory)} memory), more than one third; ` +
        'choose a larger workerMachineType or more workers (workerCount)',
    },
  ]);
}

if (require.main === module && process.argv[2] === '--rendered') {
  const problems = checkRendered(resolve(process.argv[3] ?? ''));
  console.log(
    problems.length === 0 ? 'the footprint model matches the rendered charts' : problems.join('\n'),
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} else if (require.main === module) {
  const gcp = `${GCP_DEFAULTS.workerCount} workers of ${GCP_DEFAULTS.workerMachineType}`;
  console.log(`gcp, ${gcp}:\n\n${footprintTable(gcpFootprint())}\n`);
  console.log(`minikube, one node of 4 CPUs and 8 GiB:\n\n${footprintTable(minikubeFootprint())}`);
}
