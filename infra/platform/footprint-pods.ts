// The pods each wrapper chart makes Kubernetes run, and where in the chart's merged values each
// container's `resources` comes from, including the pods an operator creates from the custom
// resources a chart renders. The upstream charts cannot be fetched on the test machines, so the
// tests read the values these paths point at; footprint-render.ts holds this model to what the
// pinned charts really render wherever they are at hand (`npm run footprint -- --rendered <dir>`).
import { ClusterTarget } from '../config/environments';

/** One container: the values path of its `resources`, and whether it is an init container. */
export interface ContainerModel {
  readonly name: string;
  readonly resources: string;
  readonly init?: boolean;
}

/** Charts whose values the model reads: the platform's wrapper charts and the cluster's CNI. */
export type ModelChart =
  | 'kube-prometheus-stack'
  | 'metallb'
  | 'ingress-nginx'
  | 'vault'
  | 'calico'
  | 'kubelet-csr-approver'
  | 'metrics-server'
  | 'headlamp'
  | 'cert-manager'
  | 'cloudnative-pg';

export interface WorkloadModel {
  readonly chart: ModelChart;
  /** The rendered object (for an operator's pods: the custom resource or Installation field). */
  readonly object: string;
  readonly containers: readonly ContainerModel[];
  /**
   * A replica count, a values path holding it (`values:<path>`), one per worker, or Typha's
   * count (the tigera operator scales it with the node count). `job` runs to completion: its
   * containers must have requests, but it is not part of the steady state.
   */
  readonly replicas: number | `values:${string}` | 'each-worker' | 'typha' | 'job';
  /** Rendered only when this values path is not false. */
  readonly enabledBy?: string;
  /** Rendered only for these targets (the CNI is the gcp cluster layer's). */
  readonly targets?: readonly ClusterTarget[];
}

const KPS = 'kube-prometheus-stack';
const RELOADER = `${KPS}.prometheusOperator.prometheusConfigReloader.resources`;
/** The Installation's component overrides, as the chart renders them into `spec`. */
const INSTALLATION = 'tigera-operator.installation';

/** A container of a Calico component, found by name in its Installation override. */
function calicoContainer(component: string, name: string): ContainerModel {
  return {
    name,
    resources: `${INSTALLATION}.${component}.spec.template.spec.containers[name=${name}].resources`,
  };
}

export const WORKLOADS: readonly WorkloadModel[] = [
  // Created by prometheus-operator from the Prometheus and Alertmanager resources: the main
  // container from the resource's spec.resources, the config reloader (sidecar and init
  // container) from the operator's -config-reloader-* flags, which the chart fills from
  // prometheusOperator.prometheusConfigReloader.resources ("0", none, when that is empty).
  {
    chart: KPS,
    object: 'Prometheus kube-prometheus-stack',
    containers: [
      { name: 'prometheus', resources: `${KPS}.prometheus.prometheusSpec.resources` },
      { name: 'config-reloader', resources: RELOADER },
      { name: 'init-config-reloader', resources: RELOADER, init: true },
    ],
    replicas: 1,
  },
  {
    chart: KPS,
    object: 'Alertmanager kube-prometheus-stack',
    containers: [
      { name: 'alertmanager', resources: `${KPS}.alertmanager.alertmanagerSpec.resources` },
      { name: 'config-reloader', resources: RELOADER },
      { name: 'init-config-reloader', resources: RELOADER, init: true },
    ],
    replicas: 1,
  },
  {
    chart: KPS,
    object: 'Deployment kube-prometheus-stack-operator',
    containers: [
      { name: 'kube-prometheus-stack', resources: `${KPS}.prometheusOperator.resources` },
    ],
    replicas: 1,
  },
  {
    chart: KPS,
    object: 'Deployment kube-prometheus-stack-kube-state-metrics',
    containers: [{ name: 'kube-state-metrics', resources: `${KPS}.kube-state-metrics.resources` }],
    replicas: 1,
  },
  {
    chart: KPS,
    object: 'DaemonSet kube-prometheus-stack-prometheus-node-exporter',
    containers: [{ name: 'node-exporter', resources: `${KPS}.prometheus-node-exporter.resources` }],
    replicas: 'each-worker',
  },
  {
    chart: KPS,
    object: 'Deployment kube-prometheus-stack-grafana',
    containers: [
      { name: 'grafana-sc-dashboard', resources: `${KPS}.grafana.sidecar.resources` },
      { name: 'grafana-sc-datasources', resources: `${KPS}.grafana.sidecar.resources` },
      { name: 'grafana', resources: `${KPS}.grafana.resources` },
    ],
    replicas: 1,
  },
  ...['create', 'patch'].map((job): WorkloadModel => ({
    chart: KPS,
    object: `Job kube-prometheus-stack-admission-${job}`,
    containers: [
      { name: job, resources: `${KPS}.prometheusOperator.admissionWebhooks.patch.resources` },
    ],
    replicas: 'job',
  })),
  {
    chart: 'metallb',
    object: 'Deployment metallb-controller',
    containers: [{ name: 'controller', resources: 'metallb.controller.resources' }],
    replicas: 1,
  },
  {
    chart: 'metallb',
    object: 'DaemonSet metallb-speaker',
    containers: [{ name: 'speaker', resources: 'metallb.speaker.resources' }],
    replicas: 'each-worker',
    enabledBy: 'metallb.speaker.enabled',
  },
  {
    chart: 'ingress-nginx',
    object: 'Deployment ingress-nginx-controller',
    containers: [{ name: 'controller', resources: 'ingress-nginx.controller.resources' }],
    replicas: 'values:ingress-nginx.controller.replicaCount',
  },
  {
    chart: 'ingress-nginx',
    object: 'Job ingress-nginx-admission-create',
    containers: [
      {
        name: 'create',
        resources: 'ingress-nginx.controller.admissionWebhooks.createSecretJob.resources',
      },
    ],
    replicas: 'job',
  },
  {
    chart: 'ingress-nginx',
    object: 'Job ingress-nginx-admission-patch',
    containers: [
      {
        name: 'patch',
        resources: 'ingress-nginx.controller.admissionWebhooks.patchWebhookJob.resources',
      },
    ],
    replicas: 'job',
  },
  {
    chart: 'vault',
    object: 'StatefulSet vault',
    containers: [{ name: 'vault', resources: 'vault.server.resources' }],
    replicas: 'values:vault.server.ha.replicas',
  },
  {
    chart: 'vault',
    object: 'Deployment vault-agent-injector',
    containers: [{ name: 'sidecar-injector', resources: 'vault.injector.resources' }],
    replicas: 'values:vault.injector.replicas',
  },
  {
    chart: 'kubelet-csr-approver',
    object: 'Deployment kubelet-csr-approver',
    containers: [{ name: 'kubelet-csr-approver', resources: 'kubelet-csr-approver.resources' }],
    replicas: 'values:kubelet-csr-approver.replicas',
    targets: ['gcp'],
  },
  {
    chart: 'metrics-server',
    object: 'Deployment metrics-server',
    containers: [{ name: 'metrics-server', resources: 'metrics-server.resources' }],
    replicas: 'values:metrics-server.replicas',
  },
  {
    chart: 'headlamp',
    object: 'Deployment headlamp',
    containers: [{ name: 'headlamp', resources: 'headlamp.resources' }],
    replicas: 'values:headlamp.replicaCount',
  },
  // cert-manager: controller, webhook and cainjector, one each; the startupapicheck hook Job runs
  // at install (Helm, Flux). Its HTTP-01 solver pods run briefly in the apps' namespaces, counted
  // by their quotas (ACME_HTTP01_SOLVER), not here.
  ...(
    [
      ['cert-manager', 'cert-manager-controller', 'cert-manager.resources'],
      ['cert-manager-webhook', 'cert-manager-webhook', 'cert-manager.webhook.resources'],
      ['cert-manager-cainjector', 'cert-manager-cainjector', 'cert-manager.cainjector.resources'],
    ] as const
  ).map(([deployment, container, resources]): WorkloadModel => ({
    chart: 'cert-manager',
    object: `Deployment ${deployment}`,
    containers: [{ name: container, resources }],
    replicas: 1,
  })),
  {
    chart: 'cert-manager',
    object: 'Job cert-manager-startupapicheck',
    containers: [
      {
        name: 'cert-manager-startupapicheck',
        resources: 'cert-manager.startupapicheck.resources',
      },
    ],
    replicas: 'job',
  },
  // The CloudNativePG operator; the database pods it creates are the application's share
  // (footprint-database.ts).
  {
    chart: 'cloudnative-pg',
    object: 'Deployment cloudnative-pg',
    containers: [{ name: 'manager', resources: 'cloudnative-pg.resources' }],
    replicas: 'values:cloudnative-pg.replicaCount',
  },
  // Calico (gcp): the operator's Deployment from the chart, the rest created by the operator
  // from the Installation the chart renders. calico-node's init containers (install-cni,
  // flexvol-driver) run before it and request nothing, so the pod's request is its container's.
  {
    chart: 'calico',
    object: 'Deployment tigera-operator',
    containers: [{ name: 'tigera-operator', resources: 'tigera-operator.resources' }],
    replicas: 1,
    targets: ['gcp'],
  },
  {
    chart: 'calico',
    object: 'Installation default: calicoNodeDaemonSet',
    containers: [calicoContainer('calicoNodeDaemonSet', 'calico-node')],
    replicas: 'each-worker',
    targets: ['gcp'],
  },
  {
    chart: 'calico',
    object: 'Installation default: typhaDeployment',
    containers: [calicoContainer('typhaDeployment', 'calico-typha')],
    replicas: 'typha',
    targets: ['gcp'],
  },
  {
    chart: 'calico',
    object: 'Installation default: calicoKubeControllersDeployment',
    containers: [calicoContainer('calicoKubeControllersDeployment', 'calico-kube-controllers')],
    replicas: 1,
    targets: ['gcp'],
  },
  {
    chart: 'calico',
    object: 'Installation default: csiNodeDriverDaemonSet',
    containers: [
      calicoContainer('csiNodeDriverDaemonSet', 'calico-csi'),
      calicoContainer('csiNodeDriverDaemonSet', 'csi-node-driver-registrar'),
    ],
    replicas: 'each-worker',
    targets: ['gcp'],
  },
];

/**
 * Typha replicas the tigera operator runs for `nodes` nodes (its GetExpectedTyphaScale: one for
 * 1-2 nodes, two for 3-4, then at least three and one more per 200 nodes).
 */
export function typhaReplicas(nodes: number): number {
  if (nodes <= 2) return 1;
  if (nodes <= 4) return 2;
  return Math.max(3, Math.floor(nodes / 200) + 2);
}

/**
 * Containers rendered without requests that no values key can reach, left out of the check with
 * the reason: tigera-operator's pre-delete uninstall Job (`helm uninstall` only).
 */
export const UNREACHABLE_JOBS = ['charts/calico Job tigera-operator-uninstall'] as const;
