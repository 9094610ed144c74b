// The wrapper charts under /charts are the single place where add-on versions and values live:
// Pulumi installs them by path (so it installs exactly what a GitOps tool would), and this
// module reads them, for the platform layer and for the tests that check the pins.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ClusterTarget } from '../config/environments';

/** The repository's charts/ folder. */
export const CHARTS_DIR = resolve(__dirname, '..', '..', 'charts');

/** An upstream chart a wrapper depends on, pinned exactly. */
export interface ChartDependency {
  readonly name: string;
  readonly version: string;
  readonly repository: string;
}

/** One wrapper chart: its folder, the upstream chart it pins, and its values files. */
export interface WrapperChart {
  readonly name: string;
  /** Absolute path of the chart folder. */
  readonly path: string;
  readonly dependencies: readonly ChartDependency[];
  /** values-<target>.yaml when it exists (values.yaml is the chart's own default). */
  targetValues(target: ClusterTarget): string | undefined;
  /** values.yaml, then values-<target>.yaml, parsed: what Helm would merge. */
  values(target: ClusterTarget): readonly Record<string, unknown>[];
}

/** An exact version (some charts, such as Calico's, prefix it with v). */
const EXACT = /^v?\d+\.\d+\.\d+$/;

/** Reads charts/<name>/Chart.yaml; fails when a dependency is not pinned to an exact version. */
export function wrapperChart(name: string, dir = CHARTS_DIR): WrapperChart {
  const path = join(dir, name);
  const chart = parse(readFileSync(join(path, 'Chart.yaml'), 'utf8')) as {
    name?: string;
    dependencies?: ChartDependency[];
  };
  if (chart.name !== name)
    throw new Error(`charts/${name}/Chart.yaml names the chart "${chart.name ?? ''}"`);
  const dependencies = chart.dependencies ?? [];
  for (const d of dependencies) {
    if (!EXACT.test(String(d.version)))
      throw new Error(
        `charts/${name}/Chart.yaml: dependency ${d.name} version "${d.version}" must be an exact version such as 1.2.3`,
      );
  }
  const file = (f: string) => (existsSync(join(path, f)) ? join(path, f) : undefined);
  return {
    name,
    path,
    dependencies,
    targetValues: (target) => file(`values-${target}.yaml`),
    values: (target) =>
      [file('values.yaml'), file(`values-${target}.yaml`)]
        .filter((f): f is string => f !== undefined)
        .map((f) => (parse(readFileSync(f, 'utf8')) ?? {}) as Record<string, unknown>),
  };
}

/** The wrapper charts of the platform, in install order. */
export const PLATFORM_CHARTS = [
  'prometheus-operator-crds',
  'kube-prometheus-stack',
  'metallb',
  'metallb-pools',
  'ingress-nginx',
  'vault',
  'cert-manager',
  'platform-issuers',
  'kubelet-csr-approver',
  'metrics-server',
  'headlamp',
  'cloudnative-pg',
  'spring-api-database',
] as const;
export type PlatformChart = (typeof PLATFORM_CHARTS)[number];

/**
 * Charts installed on one target only; the others go on both. The kubelet CSR approver: minikube's
 * kubelets sign their own serving certificates and request none.
 */
export const TARGET_ONLY_CHARTS: Readonly<Partial<Record<PlatformChart, ClusterTarget>>> = {
  'kubelet-csr-approver': 'gcp',
};

/** The platform charts a target installs, in install order. */
export function platformChartsFor(target: ClusterTarget): PlatformChart[] {
  return PLATFORM_CHARTS.filter((c) => (TARGET_ONLY_CHARTS[c] ?? target) === target);
}

/** Wrapper charts the cluster layer installs (gcp: the CNI). */
export const CLUSTER_CHARTS = ['calico'] as const;
