// Holds the pod model (footprint-pods.ts) to what the pinned charts really render. The upstream
// charts cannot be fetched on the test machines, so this runs where they are at hand: give it a
// folder holding each wrapper's dependency unpacked under its chart name (what `helm dependency
// build` or `helm pull --untar` leaves), and `npm run footprint -- --rendered <folder>` renders
// every wrapper for both targets with the pinned helm and lists each difference.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { nodeNameRegex } from '../cluster/gcp/node-names';
import { ClusterTarget } from '../config/environments';
import { GCP_DEFAULTS } from '../config/gcp';
import { KUBERNETES_VERSION } from '../config/nodes';
import { CHARTS_DIR, TARGET_ONLY_CHARTS, wrapperChart } from './charts';
import { ModelChart, WORKLOADS } from './footprint-pods';
import { at, mergedValues, Values } from './footprint-values';
import { approverValues } from './metrics-server';

/** One container as rendered (or as an operator will create it). */
export interface RenderedContainer {
  readonly name: string;
  readonly init: boolean;
  readonly resources: unknown;
}

/** A workload as rendered: `<Kind> <name>`, as the model names it. */
export interface RenderedWorkload {
  readonly object: string;
  readonly containers: readonly RenderedContainer[];
}

const POD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];
/** Installation fields whose pods the tigera operator creates. */
const CALICO_COMPONENTS = [
  'calicoNodeDaemonSet',
  'typhaDeployment',
  'calicoKubeControllersDeployment',
  'csiNodeDriverDaemonSet',
];

function containersOf(podSpec: unknown): RenderedContainer[] {
  const list = (key: string, init: boolean) =>
    ((at(podSpec, key) ?? []) as Values[]).map((c) => ({
      name: String(c.name),
      init,
      resources: c.resources,
    }));
  return [...list('containers', false), ...list('initContainers', true)];
}

/** The config reloader's resources, read back from prometheus-operator's rendered flags. */
function reloaderResources(docs: readonly Values[]): Values {
  const args = docs
    .filter((d) => d.kind === 'Deployment')
    .flatMap((d) => (at(d, 'spec.template.spec.containers') ?? []) as Values[])
    .flatMap((c) => (Array.isArray(c.args) ? (c.args as unknown[]).map(String) : []));
  const flag = (name: string) => {
    const value = args.find((a) => a.startsWith(`--config-reloader-${name}=`))?.split('=')[1];
    return value === undefined || value === '0' ? undefined : value;
  };
  const pick = (entries: [string, string | undefined][]) =>
    Object.fromEntries(entries.filter((e) => e[1] !== undefined));
  return {
    requests: pick([
      ['cpu', flag('cpu-request')],
      ['memory', flag('memory-request')],
    ]),
    limits: pick([
      ['cpu', flag('cpu-limit')],
      ['memory', flag('memory-limit')],
    ]),
  };
}

/**
 * The workloads in rendered manifests, with the pods operators create from them: Prometheus and
 * Alertmanager (main container, config reloader and its init twin) and Calico's components.
 * Helm test hooks are left out: they run only on `helm test`.
 */
export function renderedWorkloads(docs: readonly Values[]): RenderedWorkload[] {
  const out: RenderedWorkload[] = [];
  for (const d of docs) {
    const kind = String(d.kind);
    const name = String(at(d, 'metadata.name'));
    if (POD_KINDS.includes(kind)) {
      const annotations = at(d, 'metadata.annotations') as Record<string, unknown> | undefined;
      if (annotations?.['helm.sh/hook'] === 'test') continue;
      out.push({
        object: `${kind} ${name}`,
        containers: containersOf(at(d, 'spec.template.spec')),
      });
    } else if (kind === 'Prometheus' || kind === 'Alertmanager') {
      const reloader = reloaderResources(docs);
      out.push({
        object: `${kind} ${name}`,
        containers: [
          { name: kind.toLowerCase(), init: false, resources: at(d, 'spec.resources') },
          { name: 'config-reloader', init: false, resources: reloader },
          { name: 'init-config-reloader', init: true, resources: reloader },
        ],
      });
    } else if (kind === 'Installation') {
      for (const component of CALICO_COMPONENTS)
        out.push({
          object: `Installation ${name}: ${component}`,
          containers: containersOf(at(d, `spec.${component}.spec.template.spec`)),
        });
    }
  }
  return out;
}

/**
 * JSON with object keys sorted, so that equal values compare equal whatever their order; keys set
 * to null are left out, as Helm drops them (a wrapper removes an upstream default that way).
 */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .filter((k) => (v as Values)[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Values)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/**
 * Differences between the model and what a chart rendered for a target: workloads on one side
 * only, containers the model does not know, and resources other than the values path's.
 * Containers the model leaves out on purpose (`ignored`, `<object>/<container>`) are skipped.
 */
export function modelDrift(
  chart: ModelChart,
  target: ClusterTarget,
  rendered: readonly RenderedWorkload[],
  values: Values,
  ignored: readonly string[] = IGNORED,
): string[] {
  const problems: string[] = [];
  const where = `charts/${chart} (${target})`;
  const models = WORKLOADS.filter(
    (w) =>
      w.chart === chart &&
      (!w.targets || w.targets.includes(target)) &&
      !(w.enabledBy && at(values, w.enabledBy) === false),
  );
  for (const r of rendered) {
    if (ignored.includes(r.object)) continue;
    const model = models.find((m) => m.object === r.object);
    if (!model) {
      problems.push(`${where}: renders ${r.object}, which the footprint model does not count`);
      continue;
    }
    for (const c of r.containers) {
      if (ignored.includes(`${r.object}/${c.name}`)) continue;
      const m = model.containers.find((x) => x.name === c.name && Boolean(x.init) === c.init);
      if (!m) problems.push(`${where}: ${r.object} has container ${c.name}, not in the model`);
      else if (!same(c.resources, at(values, m.resources)))
        problems.push(
          `${where}: ${r.object}, container ${c.name} renders resources ${JSON.stringify(c.resources ?? null)}, not those of values ${m.resources}`,
        );
    }
  }
  for (const m of models)
    if (!rendered.some((r) => r.object === m.object))
      problems.push(`${where}: the model counts ${m.object}, which the chart does not render`);
  return problems;
}

/**
 * What the model leaves out on purpose: tigera-operator's pre-delete uninstall Job (the chart
 * offers no key for its resources; it runs on `helm uninstall` only).
 */
export const IGNORED = ['Job tigera-operator-uninstall'];

/** Values the platform layer computes for a chart, at the gcp defaults (the approver's). */
function stackValues(chart: string): Values | undefined {
  if (chart !== 'kubelet-csr-approver') return undefined;
  return approverValues({
    nodeNameRegex: nodeNameRegex(GCP_DEFAULTS.clusterName),
    nodeSubnet: GCP_DEFAULTS.subnetCidr,
  });
}

/** Renders a wrapper chart with its dependency taken from `upstream/<dependency name>`. */
export function renderWrapper(
  helm: string,
  chart: string,
  target: ClusterTarget,
  upstream: string,
): Values[] {
  const wrapper = wrapperChart(chart);
  const scratch = mkdtempSync(join(tmpdir(), `footprint-${chart}-`));
  try {
    const copy = join(scratch, chart);
    cpSync(wrapper.path, copy, { recursive: true });
    for (const dep of wrapper.dependencies)
      cpSync(join(upstream, dep.name), join(copy, 'charts', dep.name), { recursive: true });
    const valuesFiles = [join(copy, 'values.yaml')];
    const targetValues = wrapper.targetValues(target);
    if (targetValues) valuesFiles.push(targetValues);
    const computed = stackValues(chart);
    if (computed) {
      writeFileSync(join(scratch, 'stack.yaml'), stringify(computed));
      valuesFiles.push(join(scratch, 'stack.yaml'));
    }
    const out = spawnSync(
      helm,
      [
        'template',
        chart,
        copy,
        '--kube-version',
        KUBERNETES_VERSION,
        ...valuesFiles.flatMap((f) => ['-f', f]),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    if (out.status !== 0) throw new Error(`helm template ${chart} (${target}): ${out.stderr}`);
    return parseAllDocuments(out.stdout)
      .map((d) => d.toJS() as Values | null)
      .filter((d): d is Values => d !== null);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every difference between the model and the rendered charts, both targets. */
export function checkRendered(
  upstream: string,
  helm = resolve(CHARTS_DIR, '..', '.tools', 'bin', 'helm'),
): string[] {
  const charts: ModelChart[] = [
    'kube-prometheus-stack',
    'metallb',
    'ingress-nginx',
    'vault',
    'calico',
    'kubelet-csr-approver',
    'metrics-server',
    'headlamp',
    'cert-manager',
    'cloudnative-pg',
  ];
  /** Charts of one target only: the gcp cluster's CNI, and the kubelet CSR approver. */
  const only: Partial<Record<ModelChart, ClusterTarget>> = {
    calico: 'gcp',
    ...TARGET_ONLY_CHARTS,
  };
  const problems: string[] = [];
  for (const chart of charts)
    for (const target of ['gcp', 'minikube'] as const) {
      if ((only[chart] ?? target) !== target) continue;
      const deps = wrapperChart(chart).dependencies;
      const missing = deps.filter((d) => !existsSync(join(upstream, d.name)));
      if (missing.length > 0) {
        problems.push(
          `charts/${chart}: ${missing.map((d) => `${d.name} ${d.version}`).join(', ')} not found in ${upstream}`,
        );
        continue;
      }
      const docs = renderWrapper(helm, chart, target, upstream);
      problems.push(
        ...modelDrift(
          chart,
          target,
          renderedWorkloads(docs),
          mergedValues(chart, target, CHARTS_DIR),
        ),
      );
    }
  return problems;
}
