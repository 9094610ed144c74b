// What `npm run verify` checks of the platform's own content:
// - the alerting rules with promtool: rules-check.ts;
// - every metric and label the rules and dashboard read from the API exists in the real jar's
//   /actuator/prometheus (see jar-check.ts);
// - each wrapper chart's own templates, rendered by helm for both targets (the upstream charts
//   are not reachable offline, so their dependencies are left out): helm lint --strict, then
//   custom resources strictly decoded into their operators' types and core objects dry-run on
//   the local kube-apiserver.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ClusterTarget } from '../../infra/config/environments';
import {
  CHARTS_DIR,
  PLATFORM_CHARTS,
  platformChartsFor,
  wrapperChart,
} from '../../infra/platform/charts';
import { approverValues } from '../../infra/platform/metrics-server';
import { CHART_NAMESPACES, metallbPools } from '../../infra/platform/platform';
import { issuerValues } from '../../infra/platform/certificates';
import { databaseChartValues } from '../../infra/platform/database/settings';
import { checkCustomResources } from './crdcheck';
import { LocalCluster } from './local-cluster';

const MONITORING = join(CHARTS_DIR, 'kube-prometheus-stack');
const RULES = join(MONITORING, 'rules', 'spring-api.rules.yaml');
/** Each rules file the chart ships, with its promtool unit tests. */
const DASHBOARD = join(MONITORING, 'dashboards', 'spring-api.json');

function run(binary: string, args: readonly string[], cwd?: string) {
  const r = spawnSync(binary, args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

/** The PromQL expressions of the rules file and of the dashboard's panels. */
export function platformQueries(): { rules: string[]; dashboard: string[] } {
  const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] })
    .groups;
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  return {
    rules: groups.flatMap((g) => g.rules.map((r) => r.expr)),
    dashboard: dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
  };
}

/** Metric selectors `name{label="..", ...}` in an expression: the metric and its label names. */
export function selectors(expr: string): { metric: string; labels: string[] }[] {
  const found: { metric: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map(
      (l) => l[1] ?? '',
    );
    found.push({ metric: m[1] ?? '', labels });
  }
  return found;
}

/** Where a metric comes from; the API's own ones are checked against the jar. */
export function metricSource(metric: string): 'api' | 'kubernetes' | 'prometheus' | 'recording' {
  if (metric.includes(':')) return 'recording';
  if (metric === 'up') return 'prometheus';
  if (/^(kube_|container_)/.test(metric)) return 'kubernetes';
  return 'api';
}

/** Labels Prometheus attaches from the ServiceMonitor's target, not the application. */
const TARGET_LABELS = new Set(['namespace', 'job', 'pod', 'container', 'service', 'instance']);

/**
 * Checks an /actuator/prometheus exposition against the API metrics the queries use: each
 * metric name present, each label it is filtered by present on one of its series.
 */
export function checkExposition(exposition: string, queries: readonly string[]): string[] {
  const series = exposition.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'));
  const failures: string[] = [];
  const wanted = new Map<string, Set<string>>();
  for (const q of queries) {
    for (const s of selectors(q)) {
      if (metricSource(s.metric) !== 'api') continue;
      const labels = wanted.get(s.metric) ?? new Set<string>();
      s.labels.filter((l) => !TARGET_LABELS.has(l)).forEach((l) => labels.add(l));
      wanted.set(s.metric, labels);
    }
  }
  for (const [metric, labels] of wanted) {
    const lines = series.filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
    if (lines.length === 0) {
      failures.push(`the API exposes no ${metric}`);
      continue;
    }
    for (const label of labels) {
      if (!lines.some((l) => l.includes(`${label}="`)))
        failures.push(`the API's ${metric} has no label ${label}`);
    }
  }
  return failures;
}

/** The gcp stack's networking as the platform layer receives it, at the defaults. */
const GCP_NETWORKING = {
  kind: 'gcp',
  clusterName: 'k8s-platform',
  workerServiceAccountEmail: 'k8s-platform-worker@p.iam.gserviceaccount.com',
  project: 'p',
  region: 'r',
  metallbPoolRange: '10.40.0.0/24',
  ingressAddress: '34.1.2.3',
  kubeletServing: {
    nodeNameRegex: '^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$',
    nodeSubnet: '10.10.0.0/24',
  },
} as const;

/** Values Pulumi passes the chart for a target, so that its templates render as deployed. */
function stackValues(chart: string, target: ClusterTarget): Record<string, unknown> {
  if (chart === 'kubelet-csr-approver') return approverValues(GCP_NETWORKING.kubeletServing);
  if (chart === 'platform-issuers')
    return issuerValues(
      target === 'minikube'
        ? { issuer: 'self-signed-ca' }
        : { issuer: 'acme', email: 'platform@acme-platform.dev', server: 'production' },
    );
  // The backup bucket a gcp stack creates (barman's destination).
  if (chart === 'spring-api-database')
    return databaseChartValues(target, 'k8s-platform-db-backups-0a1b2c3');
  if (chart !== 'metallb-pools') return {};
  return {
    pools:
      target === 'minikube'
        ? metallbPools({ kind: 'minikube', metallbPool: '192.168.49.200-192.168.49.250' })
        : metallbPools(GCP_NETWORKING),
  };
}

/**
 * Kubernetes' own API groups (none, or a *.k8s.io group the API server serves itself): dry-run on
 * the API server; everything else is a custom resource, decoded into its operator's types.
 */
export function builtIn(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  return !group.includes('.') || BUILT_IN_GROUPS.includes(group);
}
const BUILT_IN_GROUPS = [
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'apiregistration.k8s.io',
  'admissionregistration.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
];

/** Renders each wrapper chart's own templates for both targets and checks the objects. */
export function checkCharts(
  helm: string,
  cluster: LocalCluster,
): { failures: string[]; objects: number } {
  const failures: string[] = [];
  let objects = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'verify-charts-'));
  try {
    for (const name of PLATFORM_CHARTS) {
      const copy = join(scratch, name);
      cpSync(join(CHARTS_DIR, name), copy, { recursive: true });
      // The upstream chart cannot be fetched here: lint and render this chart's own part.
      const chartYaml = join(copy, 'Chart.yaml');
      const chart = parse(readFileSync(chartYaml, 'utf8')) as Record<string, unknown>;
      delete chart.dependencies;
      writeFileSync(chartYaml, stringify(chart));
      const namespace = CHART_NAMESPACES[name];
      cluster.kubectl(['create', 'namespace', namespace]);
      for (const target of ['minikube', 'gcp'] as const) {
        if (!platformChartsFor(target).includes(name)) continue;
        const valuesFile = wrapperChart(name).targetValues(target);
        const valueArgs = valuesFile ? ['-f', valuesFile] : [];
        const extra = join(scratch, `${name}-${target}.values.yaml`);
        writeFileSync(extra, stringify(stackValues(name, target)));
        const lint = run(helm, ['lint', '--strict', copy, ...valueArgs, '-f', extra]);
        if (lint.status !== 0) failures.push(`${name} (${target}): helm lint: ${lint.out}`);
        const out = run(helm, [
          'template',
          name,
          copy,
          '--namespace',
          namespace,
          ...valueArgs,
          '-f',
          extra,
        ]);
        if (out.status !== 0) {
          failures.push(`${name} (${target}): helm template: ${out.out}`);
          continue;
        }
        const docs = parseAllDocuments(out.out)
          .map((d) => d.toJS() as Record<string, unknown> | null)
          .filter((d): d is Record<string, unknown> => d !== null);
        objects += docs.length;
        const custom = docs.filter((d) => !builtIn(String(d.apiVersion)));
        checkCustomResources(custom).forEach((r, i) => {
          const o = custom[i] as { kind: string; metadata: { name: string } };
          if (r.status !== 'ok')
            failures.push(
              `${name} (${target}) ${o.kind}/${o.metadata.name}: ${r.status === 'error' ? r.message : 'no Go type to check it with'}`,
            );
        });
        for (const core of docs.filter((d) => builtIn(String(d.apiVersion)))) {
          const dry = cluster.kubectl(
            ['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'],
            core,
          );
          if (dry.status !== 0 || dry.stderr.includes('Warning:'))
            failures.push(`${name} (${target}): ${dry.stderr || dry.stdout}`);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { failures, objects };
}
