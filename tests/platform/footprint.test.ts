import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appShare,
  gcpFootprint,
  minikubeFootprint,
  refuseOversizedPlatform,
} from '../../infra/platform/footprint';
import { typhaReplicas } from '../../infra/platform/footprint-pods';
import { footprintTable } from '../../infra/platform/footprint-table';

const CHARTS = join(__dirname, '..', '..', 'charts');
const objects = (f: ReturnType<typeof gcpFootprint>) =>
  Object.fromEntries(f.rows.map((r) => [`${r.source} ${r.object}`, r.pods]));

// Everything on the default gcp cluster's workers (3 × e2-standard-4): the add-ons, Calico,
// kube-proxy and CoreDNS; applications must keep at least two thirds of the workers.
describe('the footprint on the default gcp cluster', () => {
  const f = gcpFootprint();

  it('takes at most a third of the workers, everything on them counted', () => {
    console.log(`footprint (gcp defaults):\n${footprintTable(f)}`);
    expect(f.totalShare.cpu).toBeLessThanOrEqual(1 / 3);
    expect(f.totalShare.memory).toBeLessThanOrEqual(1 / 3);
    expect(f.platformShare.cpu).toBeLessThan(f.totalShare.cpu);
  });

  it('counts every long-running pod on the workers, with the replicas the values set', () => {
    expect(objects(f)).toEqual({
      'charts/kube-prometheus-stack Prometheus kube-prometheus-stack': 1,
      'charts/kube-prometheus-stack Alertmanager kube-prometheus-stack': 1,
      'charts/kube-prometheus-stack Deployment kube-prometheus-stack-operator': 1,
      'charts/kube-prometheus-stack Deployment kube-prometheus-stack-kube-state-metrics': 1,
      'charts/kube-prometheus-stack DaemonSet kube-prometheus-stack-prometheus-node-exporter': 3,
      'charts/kube-prometheus-stack Deployment kube-prometheus-stack-grafana': 1,
      'charts/metallb Deployment metallb-controller': 1,
      'charts/ingress-nginx Deployment ingress-nginx-controller': 2,
      'charts/vault StatefulSet vault': 3,
      'charts/vault Deployment vault-agent-injector': 1,
      'charts/kubelet-csr-approver Deployment kubelet-csr-approver': 1,
      'charts/metrics-server Deployment metrics-server': 2,
      'charts/headlamp Deployment headlamp': 1,
      'charts/cert-manager Deployment cert-manager': 1,
      'charts/cert-manager Deployment cert-manager-webhook': 1,
      'charts/cert-manager Deployment cert-manager-cainjector': 1,
      'charts/cloudnative-pg Deployment cloudnative-pg': 1,
      'charts/calico Deployment tigera-operator': 1,
      'charts/calico Installation default: calicoNodeDaemonSet': 3,
      'charts/calico Installation default: typhaDeployment': 2,
      'charts/calico Installation default: calicoKubeControllersDeployment': 1,
      'charts/calico Installation default: csiNodeDriverDaemonSet': 3,
      'gce-pd-csi-driver DaemonSet csi-gce-pd-node': 3,
      'gce-pd-csi-driver Deployment csi-gce-pd-controller': 1,
      'kubeadm DaemonSet kube-proxy': 3,
      'kubeadm Deployment coredns': 2,
    });
    // 3 × (4000m - 200m reserved), 3 × (16384Mi - 1124Mi reserved and eviction threshold).
    expect(f.allocatable).toEqual({ cpuMillis: 11400, memoryMiB: 45780 });
  });

  it('counts the config reloaders the operator adds, with the requests the chart now passes', () => {
    const prometheus = f.rows.find((r) => r.object === 'Prometheus kube-prometheus-stack');
    // prometheusSpec 200m / 768Mi plus the reloader's 10m / 50Mi (its init twin runs before).
    expect(prometheus?.perPod).toEqual({ cpuMillis: 210, memoryMiB: 818 });
  });

  it('reports the application beside it: the API in prod, 3 to 6 pods of 500m / 640Mi', () => {
    expect(f.app).toEqual({
      environment: 'prod',
      minReplicas: 3,
      maxReplicas: 6,
      perPod: { cpuMillis: 500, memoryMiB: 640 },
    });
    expect(appShare('dev').minReplicas).toBe(1);
  });

  it('reports the database beside it: three instances of 500m / 1Gi in prod, the application’s share', () => {
    expect(f.database).toEqual({
      environment: 'prod',
      source: 'charts/spring-api-database',
      object: 'Cluster spring-api-db',
      instances: 3,
      perPod: { cpuMillis: 500, memoryMiB: 1024 },
    });
    // Not in the platform's share, nor in the one-third check: it is the application's.
    expect(f.rows.some((r) => r.source === 'charts/spring-api-database')).toBe(false);
  });

  it('leaves room for the database and the API at its most replicas beside the platform', () => {
    // 2570m + 3 × 500m + 6 × 500m; 4112Mi + 3 × 1024Mi + 6 × 640Mi.
    expect(f.withApplication).toEqual({ cpuMillis: 7380, memoryMiB: 11840 });
    expect(f.withApplication.cpuMillis).toBeLessThanOrEqual(f.allocatable.cpuMillis);
    expect(f.withApplication.memoryMiB).toBeLessThanOrEqual(f.allocatable.memoryMiB);
  });

  it('scales with the worker count and the machine shape', () => {
    const six = gcpFootprint(6);
    expect(six.allocatable.cpuMillis).toBe(2 * f.allocatable.cpuMillis);
    expect(objects(six)['kubeadm DaemonSet kube-proxy']).toBe(6);
    expect(objects(six)['charts/calico Installation default: typhaDeployment']).toBe(3);
    expect(gcpFootprint(3, 'n2-highmem-8').allocatable).toEqual({
      cpuMillis: 3 * 7800,
      memoryMiB: 3 * (65536 - 1124),
    });
  });
});

describe('Typha replicas, as the tigera operator scales them', () => {
  it('follow the node count', () => {
    expect([1, 2, 3, 4, 5, 199, 200, 400, 600].map(typhaReplicas)).toEqual([
      1, 1, 2, 2, 3, 3, 3, 4, 5,
    ]);
  });
});

describe('refusing workers the platform would fill beyond a third', () => {
  it('passes the defaults', () => {
    expect(() => refuseOversizedPlatform(3, 'e2-standard-4')).not.toThrow();
  });

  it('refuses 3 × e2-standard-2 with both figures', () => {
    expect(() => refuseOversizedPlatform(3, 'e2-standard-2')).toThrow(
      'k8s-platform.workerMachineType = "e2-standard-2" is invalid: must be a shape with room for applications: on 3 workers the platform would request 2880m CPU / 4928Mi of the workers\' 5400m / 21204Mi allocatable (53.3 % CPU, 23.2 % memory), more than one third; choose a larger workerMachineType or more workers (workerCount)',
    );
  });

  it('judges the count too: 5 and 8 × e2-standard-2 are refused, 9 are enough', () => {
    expect(() => refuseOversizedPlatform(5, 'e2-standard-2')).toThrow(
      "on 5 workers the platform would request 3720m CPU / 5728Mi of the workers' 9000m / 35340Mi allocatable (41.3 % CPU, 16.2 % memory)",
    );
    expect(() => refuseOversizedPlatform(8, 'e2-standard-2')).toThrow(
      '(34.1 % CPU, 11.9 % memory)',
    );
    expect(() => refuseOversizedPlatform(9, 'e2-standard-2')).not.toThrow();
  });

  it('refuses on memory alone: 3 × e2-highcpu-4', () => {
    expect(() => refuseOversizedPlatform(3, 'e2-highcpu-4')).toThrow(
      "of the workers' 11400m / 8916Mi allocatable (25.3 % CPU, 55.3 % memory), more than one third",
    );
  });

  it('refuses a machine type it knows no shape of, naming the key', () => {
    expect(() => refuseOversizedPlatform(3, 'e2-small')).toThrow(
      'k8s-platform.workerMachineType = "e2-small" is invalid: must be a predefined machine type "<family>-<standard|highmem|highcpu>-<vCPUs>", such as "e2-standard-2"',
    );
  });
});

describe('the footprint computation', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'footprint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the charts with one values file edited. */
  function chartsWith(file: string, from: string, to: string): string {
    const charts = join(dir, 'charts');
    cpSync(CHARTS, charts, { recursive: true });
    const path = join(charts, file);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(from);
    writeFileSync(path, text.replace(from, to));
    return charts;
  }

  it('fails, naming chart, object and container, when a container has no requests', () => {
    const charts = chartsWith(
      'vault/values.yaml',
      'requests: { cpu: 100m, memory: 192Mi }',
      'requests: {}',
    );
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/vault (gcp) StatefulSet vault, container vault (values vault.server.resources): has no CPU and memory request (requests.cpu and requests.memory must be set explicitly)',
    );
  });

  it('fails when the config reloaders get no requests (the chart would pass "0")', () => {
    const charts = chartsWith(
      'kube-prometheus-stack/values.yaml',
      'requests: { cpu: 10m, memory: 50Mi }',
      'requests: {}',
    );
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/kube-prometheus-stack (gcp) Prometheus kube-prometheus-stack, container config-reloader (values kube-prometheus-stack.prometheusOperator.prometheusConfigReloader.resources): has no CPU and memory request',
    );
  });

  it('fails on a Calico component without a memory limit', () => {
    const charts = chartsWith('calico/values.yaml', 'limits: { memory: 512Mi }', 'limits: {}');
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/calico (gcp) Installation default: calicoNodeDaemonSet, container calico-node (values tigera-operator.installation.calicoNodeDaemonSet.spec.template.spec.containers[name=calico-node].resources): has no memory limit (limits.memory must be set explicitly)',
    );
  });

  it('fails, naming the chart and environment, when the database has no memory limit', () => {
    // null deletes a key when Helm merges values files, as here.
    const charts = chartsWith(
      'spring-api-database/values-prod.yaml',
      'limits: { memory: 1Gi }',
      'limits: { memory: null }',
    );
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/spring-api-database (gcp, prod) Cluster, container postgres (values resources): has no memory limit (limits.memory must be set explicitly)',
    );
  });

  it('checks the Jobs too, at the keys the pinned ingress-nginx chart reads', () => {
    const charts = chartsWith(
      'ingress-nginx/values.yaml',
      'createSecretJob:',
      'createSecretJobIgnored:',
    );
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/ingress-nginx (gcp) Job ingress-nginx-admission-create, container create (values ingress-nginx.controller.admissionWebhooks.createSecretJob.resources): has no CPU and memory request',
    );
  });

  it("checks cert-manager's hook Job, which a Helm or Flux install runs", () => {
    const charts = chartsWith(
      'cert-manager/values.yaml',
      'requests: { cpu: 10m, memory: 32Mi }\n      limits: { memory: 64Mi }',
      'requests: { cpu: 10m }\n      limits: { memory: 64Mi }',
    );
    expect(() => gcpFootprint(3, 'e2-standard-4', charts)).toThrow(
      'charts/cert-manager (gcp) Job cert-manager-startupapicheck, container cert-manager-startupapicheck (values cert-manager.startupapicheck.resources): has no CPU and memory request',
    );
  });
});

describe('the footprint on the recommended minikube (4 CPUs, 8 GiB)', () => {
  it('leaves the platform under a third of the node, with one replica of each add-on', () => {
    const m = minikubeFootprint();
    console.log(`footprint (minikube):\n${footprintTable(m)}`);
    expect(m.platformShare.cpu).toBeLessThanOrEqual(1 / 3);
    expect(m.platformShare.memory).toBeLessThanOrEqual(1 / 3);
    const pods = objects(m);
    expect(pods['charts/vault StatefulSet vault']).toBe(1);
    expect(pods['charts/ingress-nginx Deployment ingress-nginx-controller']).toBe(1);
    expect(pods['charts/metallb DaemonSet metallb-speaker']).toBe(1);
    expect(pods['kubeadm Deployment coredns']).toBe(1);
    // One metrics-server, Headlamp, and no kubelet CSR approver (minikube's kubelets need none).
    expect(pods['charts/metrics-server Deployment metrics-server']).toBe(1);
    expect(pods['charts/headlamp Deployment headlamp']).toBe(1);
    expect(pods['charts/kubelet-csr-approver Deployment kubelet-csr-approver']).toBeUndefined();
    expect(
      m.rows.some((r) => r.source === 'gce-pd-csi-driver' || r.source === 'charts/calico'),
    ).toBe(false);
    expect(m.app.environment).toBe('dev');
    expect(pods['charts/cloudnative-pg Deployment cloudnative-pg']).toBe(1);
    // dev's one database instance and the API's one pod fit beside everything else.
    expect([m.database.instances, m.database.perPod]).toEqual([
      1,
      { cpuMillis: 100, memoryMiB: 384 },
    ]);
    expect(m.withApplication).toEqual({ cpuMillis: 1955, memoryMiB: 3574 });
    expect(m.withApplication.cpuMillis).toBeLessThanOrEqual(m.allocatable.cpuMillis);
  });
});
