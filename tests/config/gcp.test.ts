import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import { ConfigError } from '../../infra/config/errors';
import { API_TUNNEL_PORT, readGcpConfig } from '../../infra/config/gcp';
import { declaredKeys, refuseUnknownKeys } from '../../infra/config/keys';

const BASE = { gcpProject: 'acme-platform-1', adminCidrs: '203.0.113.7/32' };

function read(values: Record<string, string>): ReturnType<typeof readGcpConfig> {
  return readGcpConfig((key) => ({ ...BASE, ...values })[key]);
}

/** The single issue a bad value raises, as the user reads it. */
function issue(values: Record<string, string>): string {
  try {
    read(values);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no error');
}

describe('gcp configuration', () => {
  it('has the reference set-up as defaults', () => {
    expect(read({})).toEqual({
      name: 'k8s-platform',
      project: 'acme-platform-1',
      region: 'europe-west1',
      zone: 'europe-west1-b',
      image: 'debian-cloud/debian-12',
      controlPlane: { machineType: 'e2-standard-2', diskGb: 50, diskType: 'pd-ssd' },
      workers: { machineType: 'e2-standard-4', diskGb: 40, diskType: 'pd-balanced', count: 3 },
      network: {
        subnetCidr: '10.10.0.0/24',
        podCidr: '192.168.0.0/16',
        serviceCidr: '10.96.0.0/12',
        metallbRange: '10.20.0.0/24',
      },
      adminCidrs: ['203.0.113.7/32'],
      apiServerEndpoint: 'public',
    });
  });

  it('takes explicit values', () => {
    const c = read({
      gcpRegion: 'us-central1',
      gcpZone: 'us-central1-f',
      workerCount: '5',
      workerMachineType: 'n2d-standard-4',
      controlPlaneDiskType: 'pd-balanced',
      adminCidrs: '203.0.113.7/32, 198.51.100.0/24',
    });
    expect([
      c.zone,
      c.workers.count,
      c.workers.machineType,
      c.controlPlane.diskType,
      c.adminCidrs,
    ]).toEqual([
      'us-central1-f',
      5,
      'n2d-standard-4',
      'pd-balanced',
      ['203.0.113.7/32', '198.51.100.0/24'],
    ]);
  });

  const TOO_FEW =
    "must be an integer from 3 to 20 (the platform needs 3 workers: Vault's 3 raft servers each on their own worker, ingress-nginx's 2 replicas spread with DoNotSchedule)";

  it('refuses fewer workers than the platform schedules on (0, 1 and 2)', () => {
    for (const count of ['0', '1', '2'])
      expect(issue({ workerCount: count })).toBe(
        `k8s-platform.workerCount = ${count} is invalid: ${TOO_FEW}`,
      );
    expect(read({ workerCount: '3' }).workers.count).toBe(3);
  });

  it('refuses a machine type of unknown shape', () => {
    expect(issue({ workerMachineType: 'e2-large' })).toBe(
      'k8s-platform.workerMachineType = "e2-large" is invalid: must be a predefined machine type "<family>-<standard|highmem|highcpu>-<vCPUs>", such as "e2-standard-2"',
    );
  });

  it('refuses a control plane with fewer than 2 vCPUs', () => {
    expect(issue({ controlPlaneMachineType: 'n1-standard-1' })).toBe(
      'k8s-platform.controlPlaneMachineType = "n1-standard-1" is invalid: must be at least 2 vCPUs (kubeadm requires 2)',
    );
  });

  it('refuses a malformed CIDR', () => {
    expect(issue({ podCidr: '192.168.0.0/33' })).toBe(
      'k8s-platform.podCidr = "192.168.0.0/33" is invalid: must be an IPv4 CIDR such as "10.20.0.0/24" with no host bits set',
    );
  });

  it('refuses overlapping CIDRs', () => {
    expect(issue({ metallbRange: '10.10.0.128/25' })).toBe(
      'k8s-platform.metallbRange = "10.10.0.128/25" is invalid: must be a range that does not overlap subnetCidr 10.10.0.0/24',
    );
  });

  it('refuses an API server open to the internet without the explicit override', () => {
    expect(issue({ adminCidrs: '0.0.0.0/0' })).toBe(
      'k8s-platform.adminCidrs = "0.0.0.0/0" is invalid: must be a list without 0.0.0.0/0 (opening the API server to the internet needs allowApiFromAnywhere=true)',
    );
    expect(read({ adminCidrs: '0.0.0.0/0', allowApiFromAnywhere: 'true' }).adminCidrs).toEqual([
      '0.0.0.0/0',
    ]);
  });

  it('requires the admin CIDRs', () => {
    expect(() =>
      readGcpConfig((key) => (key === 'gcpProject' ? 'acme-platform-1' : undefined)),
    ).toThrow(
      'k8s-platform.adminCidrs = undefined is invalid: must be a comma-separated list of CIDRs that may reach the API server, such as "203.0.113.7/32" (your address: curl -4 ifconfig.me)',
    );
  });

  it('takes the IAP tunnel as the way to the API server, and refuses anything else', () => {
    expect(read({ apiServerEndpoint: 'iap-tunnel' }).apiServerEndpoint).toBe('iap-tunnel');
    expect(issue({ apiServerEndpoint: 'tunnel' })).toBe(
      `k8s-platform.apiServerEndpoint = "tunnel" is invalid: must be "public" (the control plane's external address, reached from adminCidrs) or "iap-tunnel" (an IAP tunnel on 127.0.0.1:16443, for CI runners outside adminCidrs)`,
    );
  });

  it('refuses a zone outside the region', () => {
    expect(issue({ gcpRegion: 'europe-west1', gcpZone: 'europe-west4-a' })).toBe(
      'k8s-platform.gcpZone = "europe-west4-a" is invalid: must be one of the zones of europe-west1: "europe-west1-b", "europe-west1-c", "europe-west1-d"',
    );
  });

  it('reports every bad key at once', () => {
    expect(() => read({ gcpProject: 'X', workerCount: '-1', workerDiskType: 'ssd' })).toThrow(
      [
        'k8s-platform.gcpProject = "X" is invalid: must be a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
        'k8s-platform.workerDiskType = "ssd" is invalid: must be one of "pd-standard", "pd-balanced", "pd-ssd"',
        `k8s-platform.workerCount = -1 is invalid: ${TOO_FEW}`,
      ].join('\n'),
    );
  });
});

describe('the tunnel port', () => {
  it('is the one Pulumi.yaml documents for apiServerEndpoint', () => {
    const yaml = readFileSync(join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8');
    expect(API_TUNNEL_PORT).toBe(16443);
    expect(yaml).toContain(`iap-tunnel (127.0.0.1:${API_TUNNEL_PORT} through an IAP TCP tunnel`);
    expect(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(
      `--local-host-port=127.0.0.1:${API_TUNNEL_PORT}`,
    );
  });
});

describe('the Kubernetes version', () => {
  it('is the one verify builds kube-apiserver and kubeadm from, at the supported minor', () => {
    const goMod = readFileSync(
      join(__dirname, '..', '..', 'tools', 'kube-apiserver', 'go.mod'),
      'utf8',
    );
    expect(/k8s\.io\/kubernetes v(\S+)/.exec(goMod)?.[1]).toBe(KUBERNETES_VERSION);
    expect(KUBERNETES_VERSION).toMatch(/^1\.\d+\.\d+$/);
    expect(KUBERNETES_VERSION.startsWith(`${KUBERNETES_MINOR}.`)).toBe(true);
    // The staging modules kube-apiserver links come from the same minor, none past the patch.
    const [, minor, patch] = KUBERNETES_VERSION.split('.').map(Number);
    const staging = [...goMod.matchAll(/^\s*(k8s\.io\/\S+) => \1 v0\.(\d+)\.(\d+)$/gm)];
    expect(staging.length).toBeGreaterThan(20);
    for (const [, module, m, p] of staging)
      expect({ module, minor: Number(m), notNewer: Number(p) <= (patch ?? 0) }).toEqual({
        module,
        minor,
        notNewer: true,
      });
  });

  it('is the only Kubernetes version the READMEs name', () => {
    const mentions = ['README.md', 'infra/cluster/README.md'].flatMap((file) => [
      ...readFileSync(join(__dirname, '..', '..', file), 'utf8').matchAll(
        /\b(?:kubeadm|kubectl|kubelet|kube-apiserver|kubernetes|kubernetes-version=)[\s(=]*v?(\d+\.\d+\.\d+)\b/gi,
      ),
    ]);
    expect(mentions.length).toBeGreaterThanOrEqual(5);
    expect(new Set(mentions.map((m) => m[1]))).toEqual(new Set([KUBERNETES_VERSION]));
  });

  it('is no stack setting: a stack that still sets kubernetesMinor is told to remove it', () => {
    const yaml = readFileSync(join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8');
    expect(declaredKeys(yaml, 'k8s-platform')).not.toContain('kubernetesMinor');
    expect(() =>
      refuseUnknownKeys({ 'k8s-platform:kubernetesMinor': '1.32' }, 'k8s-platform', yaml),
    ).toThrow(
      'k8s-platform.kubernetesMinor is invalid: must be removed (pulumi config rm kubernetesMinor): the Kubernetes version is no longer a stack setting; the nodes install KUBERNETES_VERSION from infra/config/nodes.ts',
    );
  });
});

// Values that used to pass validation and then fail half-way through `pulumi up`: each is now
// judged against the facts in infra/config/gcp-facts.ts.
describe('gcp configuration against GCP facts', () => {
  it('takes a region from the pinned list, europe-west10 included, with its zones', () => {
    expect(read({ gcpRegion: 'europe-west10' }).zone).toBe('europe-west10-b');
    expect(read({ gcpRegion: 'europe-west10', gcpZone: 'europe-west10-a' }).zone).toBe(
      'europe-west10-a',
    );
    expect(read({ gcpRegion: 'us-central1', gcpZone: 'us-central1-f' }).zone).toBe('us-central1-f');
  });

  it('refuses a region that does not exist', () => {
    expect(issue({ gcpRegion: 'europe-west7' })).toBe(
      'k8s-platform.gcpRegion = "europe-west7" is invalid: must be a Compute Engine region such as "europe-west1" (infra/config/gcp-facts.ts lists those of 2026-11-30; add a newer one there)',
    );
  });

  it('refuses a zone the region does not have', () => {
    expect(issue({ gcpZone: 'europe-west1-z' })).toBe(
      'k8s-platform.gcpZone = "europe-west1-z" is invalid: must be one of the zones of europe-west1: "europe-west1-b", "europe-west1-c", "europe-west1-d"',
    );
    // europe-west1 has no zone a (it was retired); the pattern alone would have let it through.
    expect(issue({ gcpZone: 'europe-west1-a' })).toBe(
      'k8s-platform.gcpZone = "europe-west1-a" is invalid: must be one of the zones of europe-west1: "europe-west1-b", "europe-west1-c", "europe-west1-d"',
    );
  });

  it('refuses a machine shape that does not exist', () => {
    expect(issue({ workerMachineType: 'e2-standard-3' })).toBe(
      'k8s-platform.workerMachineType = "e2-standard-3" is invalid: must be a predefined machine type: e2-standard comes with 2, 4, 8, 16 or 32 vCPUs',
    );
    expect(issue({ controlPlaneMachineType: 'n2-highcpu-128' })).toBe(
      'k8s-platform.controlPlaneMachineType = "n2-highcpu-128" is invalid: must be a predefined machine type: n2-highcpu comes with 2, 4, 8, 16, 32, 48, 64, 80 or 96 vCPUs',
    );
    expect(issue({ workerMachineType: 'e2-standard-02' })).toBe(
      'k8s-platform.workerMachineType = "e2-standard-02" is invalid: must be a predefined machine type: e2-standard comes with 2, 4, 8, 16 or 32 vCPUs',
    );
  });

  it('refuses a kind the family does not come in', () => {
    expect(issue({ workerMachineType: 'c2-highmem-4' })).toBe(
      'k8s-platform.workerMachineType = "c2-highmem-4" is invalid: must be a predefined machine type: there is no c2-highmem (the c2 family comes as c2-standard)',
    );
  });

  it('takes the edge shapes of the table', () => {
    const c = read({
      controlPlaneMachineType: 'n2d-standard-224',
      workerMachineType: 't2d-standard-1',
    });
    expect([c.controlPlane.machineType, c.workers.machineType]).toEqual([
      'n2d-standard-224',
      't2d-standard-1',
    ]);
  });

  it('refuses a subnet smaller than GCP allows', () => {
    expect(issue({ subnetCidr: '10.10.0.0/30' })).toBe(
      'k8s-platform.subnetCidr = "10.10.0.0/30" is invalid: must be a /29 or larger range: each of the 4 nodes (1 control plane, 3 workers) needs an address besides the 4 GCP reserves in every subnet, and GCP\'s smallest subnet is a /29',
    );
  });

  it('takes a /29 for the default four nodes, and asks for more room for more workers', () => {
    expect(read({ subnetCidr: '10.10.0.0/29' }).network.subnetCidr).toBe('10.10.0.0/29');
    expect(issue({ subnetCidr: '10.10.0.0/29', workerCount: '5' })).toBe(
      'k8s-platform.subnetCidr = "10.10.0.0/29" is invalid: must be a /28 or larger range: each of the 6 nodes (1 control plane, 5 workers) needs an address besides the 4 GCP reserves in every subnet, and GCP\'s smallest subnet is a /29',
    );
    expect(read({ subnetCidr: '10.10.0.0/27', workerCount: '20' }).workers.count).toBe(20);
  });

  it('refuses a cluster name whose derived names GCP would refuse', () => {
    const allowed =
      'must be 3 to 23 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (it starts every GCP resource name, which must begin with a letter, and the service account IDs "<name>-cp" and "<name>-worker", which GCP limits to 6 to 30 characters)';
    // 24 characters: "<name>-worker" is 31, over the service account ID's 30.
    expect(issue({ clusterName: 'a'.repeat(24) })).toBe(
      `k8s-platform.clusterName = "${'a'.repeat(24)}" is invalid: ${allowed}`,
    );
    // The old bound, a 63-character DNS label, made "<name>-lb-health-checks" 80 characters.
    expect(issue({ clusterName: 'a'.repeat(63) })).toBe(
      `k8s-platform.clusterName = "${'a'.repeat(63)}" is invalid: ${allowed}`,
    );
    // Compute Engine names start with a letter; "<name>-cp" must be 6 characters at least.
    expect(issue({ clusterName: '1st-cluster' })).toBe(
      `k8s-platform.clusterName = "1st-cluster" is invalid: ${allowed}`,
    );
    expect(issue({ clusterName: 'ab' })).toBe(
      `k8s-platform.clusterName = "ab" is invalid: ${allowed}`,
    );
  });

  it('takes a cluster name at both bounds', () => {
    expect(read({ clusterName: 'k8s' }).name).toBe('k8s');
    expect(read({ clusterName: 'a'.repeat(23) }).name).toBe('a'.repeat(23));
  });
});

// 6443 is judged by the union of adminCidrs, not range by range.
describe('who may reach the API server', () => {
  it('judges the admin ranges together: two halves of the internet are the internet', () => {
    expect(issue({ adminCidrs: '0.0.0.0/1,128.0.0.0/1' })).toBe(
      'k8s-platform.adminCidrs = "0.0.0.0/1,128.0.0.0/1" is invalid: must be ranges covering at most 16,777,216 addresses in all (a /8), overlaps counted once: these cover 4,294,967,296 (opening the API server that wide needs allowApiFromAnywhere=true)',
    );
    expect(issue({ adminCidrs: '10.0.0.0/8, 11.0.0.0/24' })).toBe(
      'k8s-platform.adminCidrs = "10.0.0.0/8, 11.0.0.0/24" is invalid: must be ranges covering at most 16,777,216 addresses in all (a /8), overlaps counted once: these cover 16,777,472 (opening the API server that wide needs allowApiFromAnywhere=true)',
    );
    expect(
      read({ adminCidrs: '0.0.0.0/1,128.0.0.0/1', allowApiFromAnywhere: 'true' }).adminCidrs,
    ).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
  });

  it('takes a /8 of admins, and counts overlapping ranges once', () => {
    expect(read({ adminCidrs: '10.0.0.0/8' }).adminCidrs).toEqual(['10.0.0.0/8']);
    expect(read({ adminCidrs: '10.0.0.0/8,10.0.0.0/9,10.1.2.3/32' }).adminCidrs).toHaveLength(3);
  });

  it('refuses an override that is not a boolean', () => {
    expect(issue({ adminCidrs: '0.0.0.0/0', allowApiFromAnywhere: 'yes' })).toBe(
      [
        'k8s-platform.allowApiFromAnywhere = "yes" is invalid: must be "true" or "false"',
        'k8s-platform.adminCidrs = "0.0.0.0/0" is invalid: must be a list without 0.0.0.0/0 (opening the API server to the internet needs allowApiFromAnywhere=true)',
      ].join('\n'),
    );
  });
});
