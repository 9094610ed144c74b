import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import { ConfigError } from '../../infra/config/errors';
import { readGcpConfig } from '../../infra/config/gcp';

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
      kubernetesMinor: '1.32',
      image: 'debian-cloud/debian-12',
      controlPlane: { machineType: 'e2-standard-2', diskGb: 50, diskType: 'pd-ssd' },
      workers: { machineType: 'e2-standard-2', diskGb: 40, diskType: 'pd-balanced', count: 3 },
      network: {
        subnetCidr: '10.10.0.0/24',
        podCidr: '192.168.0.0/16',
        serviceCidr: '10.96.0.0/12',
        metallbRange: '10.20.0.0/24',
      },
      adminCidrs: ['203.0.113.7/32'],
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

  it('refuses a worker count of 0', () => {
    expect(issue({ workerCount: '0' })).toBe(
      'k8s-platform.workerCount = 0 is invalid: must be an integer from 1 to 20',
    );
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

  it('refuses an unsupported Kubernetes minor', () => {
    expect(issue({ kubernetesMinor: '1.29' })).toBe(
      'k8s-platform.kubernetesMinor = "1.29" is invalid: must be one of "1.32" (the minor the node scripts and manifests are tested with)',
    );
  });

  it('refuses a zone outside the region', () => {
    expect(issue({ gcpRegion: 'europe-west1', gcpZone: 'europe-west4-a' })).toBe(
      'k8s-platform.gcpZone = "europe-west4-a" is invalid: must be a zone of region europe-west1, such as "europe-west1-b"',
    );
  });

  it('reports every bad key at once', () => {
    expect(() => read({ gcpProject: 'X', workerCount: '-1', workerDiskType: 'ssd' })).toThrow(
      [
        'k8s-platform.gcpProject = "X" is invalid: must be a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
        'k8s-platform.workerDiskType = "ssd" is invalid: must be one of "pd-standard", "pd-balanced", "pd-ssd"',
        'k8s-platform.workerCount = -1 is invalid: must be an integer from 1 to 20',
      ].join('\n'),
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
    expect(KUBERNETES_VERSION.startsWith(`${KUBERNETES_MINOR}.`)).toBe(true);
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
