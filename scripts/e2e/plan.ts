// What the kind job (.github/workflows/e2e-kind.yml) installs and how, read from the repository
// rather than restated: the platform's charts come from the Flux example
// (gitops/flux/platform/releases.yaml), in its order, with its values files and waits, as Flux
// would run them on an existing minikube-like cluster; the values Pulumi computes (MetalLB's pool)
// and the Secrets Pulumi creates are made here the same way. Pure functions; ./kind.ts runs them.
import { parseAllDocuments } from 'yaml';
import { CIDR_FORMS, parseIpv4Cidr } from '../../infra/config/cidr';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { DATABASE_APP_SECRET } from '../../infra/platform/database/settings';

/** One HelmRelease of the Flux example, as helm needs it. */
export interface FluxRelease {
  /** The HelmRelease's name: the wrapper chart's folder name. */
  readonly name: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** The chart's folder, relative to the repository (charts/<name>). */
  readonly chart: string;
  /** Its values files, relative to the repository, in merge order. */
  readonly valuesFiles: readonly string[];
  /** Inline values, merged over the files (spec.values). */
  readonly values?: Record<string, unknown>;
  /** A Go duration (spec.timeout); Flux's default is 5m. */
  readonly timeout: string;
  /** false when spec.install.disableWait is set. */
  readonly wait: boolean;
  /** true when spec.install.crds is Skip. */
  readonly skipCrds: boolean;
  readonly dependsOn: readonly string[];
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */

const relative = (path: string): string => path.replace(/^\.\//, '');

/** The HelmReleases of releases.yaml, in file order; each must follow the ones it depends on. */
export function fluxReleases(text: string): FluxRelease[] {
  const releases: FluxRelease[] = [];
  for (const d of parseAllDocuments(text).map((doc) => doc.toJS() as Doc | null)) {
    if (d?.kind !== 'HelmRelease') continue;
    const name = String(d.metadata?.name);
    const spec = d.spec ?? {};
    const chart = spec.chart?.spec ?? {};
    if (!spec.targetNamespace) throw new Error(`HelmRelease ${name}: no spec.targetNamespace`);
    const dependsOn = ((spec.dependsOn ?? []) as Doc[]).map((x) => String(x.name));
    const unmet = dependsOn.filter((x) => !releases.some((r) => r.name === x));
    if (unmet.length > 0)
      throw new Error(
        `HelmRelease ${name} depends on ${unmet.join(', ')}, which releases.yaml does not list before it`,
      );
    releases.push({
      name,
      releaseName: String(spec.releaseName ?? name),
      namespace: String(spec.targetNamespace),
      chart: relative(String(chart.chart)),
      valuesFiles: ((chart.valuesFiles ?? []) as string[]).map(relative),
      ...(spec.values ? { values: spec.values as Record<string, unknown> } : {}),
      timeout: String(spec.timeout ?? '5m'),
      wait: spec.install?.disableWait !== true,
      skipCrds: spec.install?.crds === 'Skip',
      dependsOn,
    });
  }
  return releases;
}

/**
 * Replaces the inline values of the named releases: the values Flux's example writes for
 * minikube's network and that this cluster computes for its own. A name that is not a release
 * is refused, so a renamed chart cannot silently lose its values.
 */
export function withValues(
  releases: readonly FluxRelease[],
  values: Readonly<Record<string, Record<string, unknown>>>,
): FluxRelease[] {
  for (const name of Object.keys(values))
    if (!releases.some((r) => r.name === name))
      throw new Error(`no HelmRelease ${name} to set values on`);
  return releases.map((r) => (values[r.name] ? { ...r, values: values[r.name] } : r));
}

/** One helm invocation of the plan; `valuesFile` is written before it runs. */
export interface HelmStep {
  readonly release: string;
  readonly args: readonly string[];
  readonly valuesFile?: { readonly path: string; readonly content: string };
}

/**
 * The helm commands Flux's helm-controller amounts to: each chart's dependencies first when it
 * wraps an upstream chart, then an install or upgrade with its values files (inline values last),
 * waiting (workloads and jobs) unless the release disables it, and without CRDs where it skips them.
 */
export function helmSteps(
  releases: readonly FluxRelease[],
  options: {
    readonly context: string;
    /** Folder for the inline values files. */
    readonly valuesDir: string;
    /** Whether charts/<name> wraps an upstream chart. */
    readonly hasDependencies: (name: string) => boolean;
  },
): HelmStep[] {
  return releases.flatMap((r): HelmStep[] => {
    const inline = r.values
      ? { path: `${options.valuesDir}/${r.name}.values.json`, content: JSON.stringify(r.values) }
      : undefined;
    const files = [...r.valuesFiles, ...(inline ? [inline.path] : [])];
    const install: HelmStep = {
      release: r.name,
      args: [
        'upgrade', '--install', r.releaseName, r.chart,
        '--kube-context', options.context, '--namespace', r.namespace,
        ...files.flatMap((f) => ['--values', f]),
        '--timeout', r.timeout,
        ...(r.wait ? ['--wait', '--wait-for-jobs'] : []),
        ...(r.skipCrds ? ['--skip-crds'] : []),
      ], // prettier-ignore
      ...(inline ? { valuesFile: inline } : {}),
    };
    const build: HelmStep = { release: r.name, args: ['dependency', 'build', r.chart] };
    return options.hasDependencies(r.name) ? [build, install] : [install];
  });
}

const dotted = (n: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * MetalLB's L2 pool on the kind Docker network: 51 addresses near the top of its IPv4 subnet,
 * far from the bottom, where Docker hands out the nodes' addresses one by one. On minikube's
 * 192.168.49.0/24 this is the stack's default metallbPool.
 */
export function metallbPoolFromSubnets(subnets: readonly string[]): string {
  const v4 = subnets.filter((s) => !s.includes(':'));
  const cidr = v4.length === 1 ? parseIpv4Cidr(v4[0] ?? '') : undefined;
  if (!cidr || cidr.prefix < 8 || cidr.prefix > 24)
    throw new Error(
      `kind network subnets "${subnets.join(' ')}": expected exactly one IPv4 subnet, /8 to /24 (${CIDR_FORMS}), to leave room for a pool`,
    );
  const broadcast = cidr.network + 2 ** (32 - cidr.prefix) - 1;
  return `${dotted(broadcast - 55)}-${dotted(broadcast - 5)}`;
}

/** The Secrets Pulumi creates before the charts that read them (charts/README.md). */
export function platformSecrets(values: {
  readonly grafanaAdminPassword: string;
  readonly databasePassword: string;
}): Record<string, unknown>[] {
  const db = PLATFORM_ENDPOINTS.database;
  const labels = { 'app.kubernetes.io/part-of': 'k8s-platform' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'grafana-admin', namespace: PLATFORM_ENDPOINTS.prometheus.namespace },
      type: 'Opaque',
      stringData: { 'admin-user': 'admin', 'admin-password': values.grafanaAdminPassword },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: DATABASE_APP_SECRET, namespace: db.namespace, labels },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: db.owner, password: values.databasePassword },
    },
  ];
}

/** The image of the one Deployment in a rendered environment (what kind must hold). */
export function deploymentImage(text: string): string {
  const deployments = parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d) => d?.kind === 'Deployment');
  const images = deployments.flatMap((d) =>
    ((d?.spec?.template?.spec?.containers ?? []) as Doc[]).map((c) => String(c.image)),
  );
  if (deployments.length !== 1 || images.length !== 1)
    throw new Error(
      `expected one Deployment with one container, found ${deployments.length} Deployment(s) and ${images.length} image(s)`,
    );
  return images[0] ?? '';
}
