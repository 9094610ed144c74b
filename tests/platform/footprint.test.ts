import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { footprintTable, gcpFootprint, minikubeFootprint } from '../../infra/platform/footprint';

// The platform's requests on the default gcp cluster (3 workers of e2-standard-2), from the
// values files Helm installs: applications must keep at least two thirds of the workers.
describe('the platform footprint on the default gcp cluster', () => {
  const f = gcpFootprint();

  it('takes at most a third of the workers CPU and memory', () => {
    console.log(`platform footprint (gcp defaults):\n${footprintTable(f)}`);
    expect(f.cpuShare).toBeLessThanOrEqual(1 / 3);
    expect(f.memoryShare).toBeLessThanOrEqual(1 / 3);
  });

  it('counts every long-running platform pod, with the replicas the values set', () => {
    const pods = Object.fromEntries(f.rows.map((r) => [`${r.addon}/${r.component}`, r.pods]));
    expect(pods).toEqual({
      'kube-prometheus-stack/prometheus': 1,
      'kube-prometheus-stack/alertmanager': 1,
      'kube-prometheus-stack/prometheus-operator': 1,
      'kube-prometheus-stack/kube-state-metrics': 1,
      'kube-prometheus-stack/node-exporter': 3,
      'kube-prometheus-stack/grafana (+ dashboard and datasource sidecars)': 1,
      'metallb/controller': 1,
      'ingress-nginx/controller': 2,
      'vault/server': 3,
      'vault/agent injector': 1,
      'gce-pd-csi-driver/csi-gce-pd-node (per node)': 3,
      'gce-pd-csi-driver/csi-gce-pd-controller': 1,
    });
    expect(f.allocatable).toEqual({ cpuMillis: 5400, memoryMiB: 21204 });
    expect(f.total.cpuMillis).toBe(f.rows.reduce((a, r) => a + r.perPod.cpuMillis * r.pods, 0));
  });

  it('scales with the worker count', () => {
    const six = gcpFootprint(6);
    expect(six.allocatable.cpuMillis).toBe(2 * f.allocatable.cpuMillis);
    expect(six.rows.find((r) => r.component === 'node-exporter')?.pods).toBe(6);
  });
});

describe('the footprint computation', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'footprint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails, naming the place, when an add-on has no explicit requests', () => {
    // A copy of the charts with Vault's server requests removed.
    const charts = join(dir, 'charts');
    cpSync(join(__dirname, '..', '..', 'charts'), charts, { recursive: true });
    const values = join(charts, 'vault', 'values.yaml');
    writeFileSync(
      values,
      readFileSync(values, 'utf8').replace(
        'requests: { cpu: 100m, memory: 192Mi }',
        'requests: {}',
      ),
    );
    expect(() => gcpFootprint(3, 'e2-standard-2', charts)).toThrow(
      'charts/vault (gcp) vault.server.resources: requests.cpu and requests.memory must be set explicitly',
    );
  });

  it('refuses an unknown machine type', () => {
    expect(() => gcpFootprint(3, 'n1-huge-1')).toThrow('no shape known for machine type n1-huge-1');
  });
});

describe('the platform footprint on the recommended minikube (4 CPUs, 8 GiB)', () => {
  it('leaves at least two thirds of the node, with one replica of each add-on and no storage driver', () => {
    const m = minikubeFootprint();
    console.log(`platform footprint (minikube):\n${footprintTable(m)}`);
    expect(m.cpuShare).toBeLessThanOrEqual(1 / 3);
    expect(m.memoryShare).toBeLessThanOrEqual(1 / 3);
    const pods = Object.fromEntries(m.rows.map((r) => [`${r.addon}/${r.component}`, r.pods]));
    expect(pods['vault/server']).toBe(1);
    expect(pods['ingress-nginx/controller']).toBe(1);
    expect(pods['metallb/speaker']).toBe(1);
    expect(m.rows.some((r) => r.addon === 'gce-pd-csi-driver')).toBe(false);
  });
});
