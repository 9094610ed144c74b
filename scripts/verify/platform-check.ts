// What `npm run verify` checks of the platform's own content:
// - the Spring Boot API's rules with promtool (check + unit tests), and that those unit tests
//   can fail; the dashboard's queries parse as PromQL;
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
import { CHARTS_DIR, PLATFORM_CHARTS, wrapperChart } from '../../infra/platform/charts';
import { CHART_NAMESPACES, metallbPools } from '../../infra/platform/platform';
import { databaseChartValues } from '../../infra/platform/database/settings';
import { checkCustomResources } from './crdcheck';
import { LocalCluster } from './local-cluster';

const MONITORING = join(CHARTS_DIR, 'kube-prometheus-stack');
const RULES = join(MONITORING, 'rules', 'spring-api.rules.yaml');
/** Each rules file the chart ships, with its promtool unit tests. */
const RULE_FILES: readonly [string, string][] = ['spring-api', 'kubeadm'].map((name) => [
  join(MONITORING, 'rules', `${name}.rules.yaml`),
  join(MONITORING, 'rules', `${name}.test.yaml`),
]);
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

/** promtool over the rules, their unit tests (shown able to fail), and the dashboard queries. */
export function checkRules(promtool: string): { failures: string[]; rules: number } {
  const failures: string[] = [];
  let rules = 0;
  for (const [file, tests] of RULE_FILES) {
    const check = run(promtool, ['check', 'rules', file]);
    if (check.status !== 0) failures.push(`promtool check rules ${file}: ${check.out}`);
    rules += Number(/SUCCESS: (\d+) rules found/.exec(check.out)?.[1] ?? 0);
    const tested = run(promtool, ['test', 'rules', tests]);
    if (tested.status !== 0) failures.push(`promtool test rules ${tests}: ${tested.out}`);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'verify-rules-'));
  try {
    // Self-test: a rules file whose error-rate threshold is ten times too high must fail them.
    cpSync(join(MONITORING, 'rules'), scratch, { recursive: true });
    const mutated = join(scratch, 'spring-api.rules.yaml');
    const text = readFileSync(mutated, 'utf8');
    if (!text.includes('ratio_rate5m > 0.05'))
      failures.push('self-test: the error-rate threshold "> 0.05" is no longer in the rules');
    writeFileSync(mutated, text.replace('ratio_rate5m > 0.05', 'ratio_rate5m > 0.5'));
    if (run(promtool, ['test', 'rules', join(scratch, 'spring-api.test.yaml')]).status === 0)
      failures.push('self-test: the rule unit tests passed against a broken threshold');
    // And a certificate alert that waits until 2 days before expiry must fail its tests.
    const kubeadm = join(scratch, 'kubeadm.rules.yaml');
    const kubeadmText = readFileSync(kubeadm, 'utf8');
    if (!kubeadmText.includes('< 21 * 86400'))
      failures.push(
        'self-test: the certificate threshold "< 21 * 86400" is no longer in the rules',
      );
    writeFileSync(kubeadm, kubeadmText.replace('< 21 * 86400', '< 2 * 86400'));
    if (run(promtool, ['test', 'rules', join(scratch, 'kubeadm.test.yaml')]).status === 0)
      failures.push('self-test: the kubeadm rule unit tests passed against a broken threshold');

    // The dashboard's queries, as recording rules, must parse as PromQL.
    const { dashboard } = platformQueries();
    const asRules = join(scratch, 'dashboard.rules.yaml');
    writeFileSync(
      asRules,
      stringify({
        groups: [
          {
            name: 'dashboard',
            rules: dashboard.map((expr, i) => ({ record: `dashboard:panel_${i + 1}`, expr })),
          },
        ],
      }),
    );
    const parsed = run(promtool, ['check', 'rules', asRules]);
    if (parsed.status !== 0) failures.push(`dashboard queries: ${parsed.out}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { failures, rules };
}

/** Values Pulumi passes the chart for a target, so that its templates render as deployed. */
function stackValues(chart: string, target: ClusterTarget): Record<string, unknown> {
  // The backup bucket a gcp stack creates (barman's destination).
  if (chart === 'spring-api-database')
    return databaseChartValues(target, 'k8s-platform-db-backups-0a1b2c3');
  if (chart !== 'metallb-pools') return {};
  return {
    pools:
      target === 'minikube'
        ? metallbPools({ kind: 'minikube', metallbPool: '192.168.49.200-192.168.49.250' })
        : metallbPools({
            kind: 'gcp',
            clusterName: 'k8s-platform',
            workerServiceAccountEmail: 'k8s-platform-worker@p.iam.gserviceaccount.com',
            project: 'p',
            region: 'r',
            metallbPoolRange: '10.40.0.0/24',
            ingressAddress: '34.1.2.3',
          }),
  };
}

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
        const custom = docs.filter((d) => String(d.apiVersion).includes('.'));
        checkCustomResources(custom).forEach((r, i) => {
          const o = custom[i] as { kind: string; metadata: { name: string } };
          if (r.status !== 'ok')
            failures.push(
              `${name} (${target}) ${o.kind}/${o.metadata.name}: ${r.status === 'error' ? r.message : 'no Go type to check it with'}`,
            );
        });
        for (const core of docs.filter((d) => !String(d.apiVersion).includes('.'))) {
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
