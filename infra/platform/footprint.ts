// What the platform asks of the default gcp cluster's workers, computed from the very values
// files Helm installs (and the PD CSI driver's kustomize patch), so that a change of requests or
// replicas shows up here. `npm run footprint` prints the table; tests/platform/footprint.test.ts
// fails when the platform would take more than a third of the workers' CPU or memory.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ClusterTarget } from '../config/environments';
import { NODE_RESERVED } from '../config/nodes';
import { parseCpuMillis, parseMemoryBytes } from '../config/quantities';
import { CHARTS_DIR, PlatformChart, wrapperChart } from './charts';

/** A node's size, and what the kubelet keeps for the system (the cluster layer configures it). */
export interface NodeShape {
  readonly machineType: string;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

/** Compute Engine machine types the defaults use (vCPUs and memory as Google lists them). */
export const MACHINE_TYPES: Readonly<Record<string, NodeShape>> = {
  'e2-standard-2': { machineType: 'e2-standard-2', cpuMillis: 2000, memoryMiB: 8192 },
  'e2-standard-4': { machineType: 'e2-standard-4', cpuMillis: 4000, memoryMiB: 16384 },
};

/** One container's requests, in millicores and MiB. */
interface Requests {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

export interface FootprintRow {
  readonly addon: string;
  readonly component: string;
  /** Pods on the workers (a DaemonSet: one per worker). */
  readonly pods: number;
  /** Requests of one pod. */
  readonly perPod: Requests;
}

export interface Footprint {
  readonly rows: readonly FootprintRow[];
  readonly total: Requests;
  readonly allocatable: Requests;
  readonly cpuShare: number;
  readonly memoryShare: number;
}

type Values = Record<string, unknown>;

function isObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

function at(values: Values, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), values);
}

/** Requests of a `resources` block; fails, naming the place, when either is missing. */
function requestsOf(resources: unknown, where: string): Requests {
  const requests = isObject(resources) ? resources.requests : undefined;
  const limits = isObject(resources) ? resources.limits : undefined;
  const cpu = isObject(requests) ? requests.cpu : undefined;
  const memory = isObject(requests) ? requests.memory : undefined;
  if (typeof cpu !== 'string' || typeof memory !== 'string')
    throw new Error(`${where}: requests.cpu and requests.memory must be set explicitly`);
  if (!isObject(limits) || typeof limits.memory !== 'string')
    throw new Error(`${where}: limits.memory must be set explicitly`);
  return {
    cpuMillis: parseCpuMillis(cpu) ?? NaN,
    memoryMiB: (parseMemoryBytes(memory) ?? NaN) / 2 ** 20,
  };
}

function sum(list: readonly Requests[]): Requests {
  return list.reduce(
    (a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB }),
    { cpuMillis: 0, memoryMiB: 0 },
  );
}

/**
 * Containers whose requests are not in our values but set by an operator at run time, with
 * the figures it uses: prometheus-operator's config-reloader sidecar (its defaults, 10m/50Mi),
 * injected into the Prometheus and Alertmanager pods.
 */
const CONFIG_RELOADER: Requests = { cpuMillis: 10, memoryMiB: 50 };

interface PodModel {
  readonly addon: PlatformChart | 'gce-pd-csi-driver';
  readonly component: string;
  /** Paths of `resources` blocks in the chart's merged values (one per container). */
  readonly containers: readonly string[];
  readonly extra?: readonly Requests[];
  /** A replica count, a values path holding it (`values:<path>`), or one per worker. */
  readonly replicas: number | `values:${string}` | 'each-worker';
  /** Only when this values path is true (or absent and `defaultOn`). */
  readonly enabledBy?: string;
}

const PODS: readonly PodModel[] = [
  {
    addon: 'kube-prometheus-stack',
    component: 'prometheus',
    containers: ['kube-prometheus-stack.prometheus.prometheusSpec.resources'],
    extra: [CONFIG_RELOADER],
    replicas: 1,
  },
  {
    addon: 'kube-prometheus-stack',
    component: 'alertmanager',
    containers: ['kube-prometheus-stack.alertmanager.alertmanagerSpec.resources'],
    extra: [CONFIG_RELOADER],
    replicas: 1,
  },
  {
    addon: 'kube-prometheus-stack',
    component: 'prometheus-operator',
    containers: ['kube-prometheus-stack.prometheusOperator.resources'],
    replicas: 1,
  },
  {
    addon: 'kube-prometheus-stack',
    component: 'kube-state-metrics',
    containers: ['kube-prometheus-stack.kube-state-metrics.resources'],
    replicas: 1,
  },
  {
    addon: 'kube-prometheus-stack',
    component: 'node-exporter',
    containers: ['kube-prometheus-stack.prometheus-node-exporter.resources'],
    replicas: 'each-worker',
  },
  {
    addon: 'kube-prometheus-stack',
    component: 'grafana (+ dashboard and datasource sidecars)',
    containers: [
      'kube-prometheus-stack.grafana.resources',
      'kube-prometheus-stack.grafana.sidecar.resources',
      'kube-prometheus-stack.grafana.sidecar.resources',
    ],
    replicas: 1,
  },
  {
    addon: 'metallb',
    component: 'controller',
    containers: ['metallb.controller.resources'],
    replicas: 1,
  },
  {
    addon: 'metallb',
    component: 'speaker',
    containers: ['metallb.speaker.resources'],
    replicas: 'each-worker',
    enabledBy: 'metallb.speaker.enabled',
  },
  {
    addon: 'ingress-nginx',
    component: 'controller',
    containers: ['ingress-nginx.controller.resources'],
    replicas: 'values:ingress-nginx.controller.replicaCount',
  },
  {
    addon: 'vault',
    component: 'server',
    containers: ['vault.server.resources'],
    replicas: 'values:vault.server.ha.replicas',
  },
  {
    addon: 'vault',
    component: 'agent injector',
    containers: ['vault.injector.resources'],
    replicas: 'values:vault.injector.replicas',
  },
];

/** Requests of the PD CSI driver's pods, from the kustomize patch that sets them. */
function pdCsiRows(workers: number, patchFile: string): FootprintRow[] {
  const docs = parseAllDocuments(readFileSync(patchFile, 'utf8')).map((d) => d.toJS() as Values);
  return docs.map((doc) => {
    const kind = String(doc.kind);
    const name = String(at(doc, 'metadata.name'));
    const containers = (at(doc, 'spec.template.spec.containers') ?? []) as Values[];
    const perPod = sum(
      containers.map((c) => requestsOf(c.resources, `${patchFile}: ${name}/${String(c.name)}`)),
    );
    return {
      addon: 'gce-pd-csi-driver',
      component: kind === 'DaemonSet' ? `${name} (per node)` : name,
      pods: kind === 'DaemonSet' ? workers : 1,
      perPod,
    };
  });
}

const REPO_ROOT = resolve(__dirname, '..', '..');

/** The platform's requests on `workers` workers of `machineType`, as installed on gcp. */
export function gcpFootprint(
  workers = 3,
  machineType = 'e2-standard-2',
  chartsDir = CHARTS_DIR,
): Footprint {
  const shape = MACHINE_TYPES[machineType];
  if (!shape) throw new Error(`no shape known for machine type ${machineType}`);
  return platformFootprint(
    'gcp',
    workers,
    {
      cpuMillis: workers * (shape.cpuMillis - NODE_RESERVED.cpuMillis),
      memoryMiB: workers * (shape.memoryMiB - NODE_RESERVED.memoryMiB),
    },
    chartsDir,
  );
}

/** The minikube the README recommends (--cpus=4 --memory=8g); its kubelet reserves nothing. */
export const MINIKUBE_SHAPE: Requests = { cpuMillis: 4000, memoryMiB: 8192 };

/** The platform's requests on a one-node minikube, as installed there. */
export function minikubeFootprint(chartsDir = CHARTS_DIR): Footprint {
  return platformFootprint('minikube', 1, MINIKUBE_SHAPE, chartsDir);
}

function platformFootprint(
  target: ClusterTarget,
  workers: number,
  allocatable: Requests,
  chartsDir: string,
): Footprint {
  const merged = new Map<string, Values>();
  const valuesOf = (addon: PlatformChart): Values => {
    const cached = merged.get(addon);
    if (cached) return cached;
    const values = wrapperChart(addon, chartsDir)
      .values(target)
      .reduce<Values>((a, b) => merge(a, b), {});
    merged.set(addon, values);
    return values;
  };
  const rows: FootprintRow[] = [];
  for (const pod of PODS) {
    if (pod.addon === 'gce-pd-csi-driver') continue;
    const values = valuesOf(pod.addon);
    if (pod.enabledBy && at(values, pod.enabledBy) === false) continue;
    const replicas =
      pod.replicas === 'each-worker'
        ? workers
        : typeof pod.replicas === 'number'
          ? pod.replicas
          : Number(at(values, pod.replicas.slice('values:'.length)) ?? 1);
    const perPod = sum([
      ...pod.containers.map((path) =>
        requestsOf(at(values, path), `charts/${pod.addon} (${target}) ${path}`),
      ),
      ...(pod.extra ?? []),
    ]);
    rows.push({ addon: pod.addon, component: pod.component, pods: replicas, perPod });
  }
  if (target === 'gcp')
    rows.push(
      ...pdCsiRows(
        workers,
        join(REPO_ROOT, 'infra', 'platform', 'storage', 'gce-pd', 'resources.yaml'),
      ),
    );
  const total = sum(
    rows.map((r) => ({
      cpuMillis: r.perPod.cpuMillis * r.pods,
      memoryMiB: r.perPod.memoryMiB * r.pods,
    })),
  );
  return {
    rows,
    total,
    allocatable,
    cpuShare: total.cpuMillis / allocatable.cpuMillis,
    memoryShare: total.memoryMiB / allocatable.memoryMiB,
  };
}

/** The footprint as a Markdown table, for the README and `npm run footprint`. */
export function footprintTable(f: Footprint): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    '| add-on | component | pods on workers | CPU / pod | memory / pod | CPU total | memory total |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...f.rows.map(
      (r) =>
        `| ${r.addon} | ${r.component} | ${r.pods} | ${r.perPod.cpuMillis}m | ${r.perPod.memoryMiB}Mi | ` +
        `${r.perPod.cpuMillis * r.pods}m | ${r.perPod.memoryMiB * r.pods}Mi |`,
    ),
    `| **platform** | | ${f.rows.reduce((a, r) => a + r.pods, 0)} | | | **${f.total.cpuMillis}m** | **${f.total.memoryMiB}Mi** |`,
    `| allocatable | | | | | ${f.allocatable.cpuMillis}m | ${f.allocatable.memoryMiB}Mi |`,
    `| **share** | | | | | **${pct(f.cpuShare)}** | **${pct(f.memoryShare)}** |`,
  ];
  return lines.join('\n');
}

if (require.main === module) {
  console.log(`gcp, 3 workers of e2-standard-2:\n\n${footprintTable(gcpFootprint())}\n`);
  console.log(`minikube, one node of 4 CPUs and 8 GiB:\n\n${footprintTable(minikubeFootprint())}`);
}
