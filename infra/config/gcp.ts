// Stack configuration of the gcp target (keys under `k8s-platform:`), validated as a whole
// before any resource is registered: every bad key is reported at once, with its value and
// what is allowed.
import { Checks } from './checks';
import { CIDR_FORMS, coveredAddresses, Ipv4Cidr, parseIpv4Cidr } from './cidr';
import { KUBERNETES_MINOR } from './environments';

/** Kubernetes minors the bootstrap scripts are written and tested for. */
export const SUPPORTED_MINORS = [KUBERNETES_MINOR] as const;

/** Boot images the node scripts support (apt, systemd, gcloud preinstalled). */
export const NODE_IMAGES = [
  'debian-cloud/debian-12',
  'ubuntu-os-cloud/ubuntu-2204-lts',
  'ubuntu-os-cloud/ubuntu-2404-lts-amd64',
] as const;

export const DISK_TYPES = ['pd-standard', 'pd-balanced', 'pd-ssd'] as const;

/** Google's IAP TCP forwarding range: the only source allowed to reach SSH. */
export const IAP_RANGE = '35.235.240.0/20';

export interface GcpConfig {
  /** Prefix of every resource name. @default "k8s-platform" */
  readonly name: string;
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  readonly kubernetesMinor: string;
  readonly image: string;
  readonly controlPlane: NodeGroup;
  readonly workers: NodeGroup & { readonly count: number };
  readonly network: {
    /** The nodes' subnet. */
    readonly subnetCidr: string;
    /** Calico's pod network. */
    readonly podCidr: string;
    readonly serviceCidr: string;
    /** Routed by the VPC to the workers; MetalLB assigns Service addresses from it. */
    readonly metallbRange: string;
  };
  /** Who may reach the API server (port 6443). */
  readonly adminCidrs: readonly string[];
}

export interface NodeGroup {
  readonly machineType: string;
  readonly diskGb: number;
  readonly diskType: (typeof DISK_TYPES)[number];
}

/** `<family>-<kind>-<vCPUs>`: the predefined Compute Engine shapes. */
const MACHINE_TYPE = /^(e2|n1|n2|n2d|n4|c2|c2d|c3|c3d|t2d)-(standard|highmem|highcpu)-(\d+)$/;
const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * The most addresses adminCidrs may open 6443 to, all ranges together, without
 * allowApiFromAnywhere: 2^24, one /8. The widest block ever allocated to one organisation is a
 * /8 (the legacy class A blocks), so no set of admin networks is larger; a union beyond it, such
 * as "0.0.0.0/1,128.0.0.0/1" or any /7, is a slice of the internet, not a list of admins. A
 * VPN's whole private range (10.0.0.0/8) still fits.
 */
export const ADMIN_ADDRESS_LIMIT = 2 ** 24;
const REGION = /^[a-z]+-[a-z]+\d$/;

function vcpus(machineType: string): number {
  return Number(MACHINE_TYPE.exec(machineType)?.[3] ?? 0);
}

function overlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const end = (c: Ipv4Cidr) => c.network + 2 ** (32 - c.prefix) - 1;
  return a.network <= end(b) && b.network <= end(a);
}

/** Reads and validates the gcp target's keys; throws one ConfigError naming every bad key. */
export function readGcpConfig(get: (key: string) => string | undefined): GcpConfig {
  const c = new Checks('k8s-platform');

  const project = get('gcpProject');
  c.require(
    project !== undefined && PROJECT.test(project),
    'gcpProject',
    project,
    'a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
  );
  const region = get('gcpRegion') ?? 'europe-west1';
  const regionOk = c.matches(
    'gcpRegion',
    region,
    REGION,
    'a Compute Engine region such as "europe-west1"',
  );
  const zone = get('gcpZone') ?? `${region}-b`;
  if (regionOk)
    c.require(
      new RegExp(`^${region}-[a-z]$`).test(zone),
      'gcpZone',
      zone,
      `a zone of region ${region}, such as "${region}-b"`,
    );

  const minor = get('kubernetesMinor') ?? KUBERNETES_MINOR;
  c.require(
    (SUPPORTED_MINORS as readonly string[]).includes(minor),
    'kubernetesMinor',
    minor,
    `one of ${SUPPORTED_MINORS.map((m) => `"${m}"`).join(', ')} (the minor the node scripts and manifests are tested with)`,
  );
  const image = get('nodeImage') ?? NODE_IMAGES[0];
  c.require(
    (NODE_IMAGES as readonly string[]).includes(image),
    'nodeImage',
    image,
    `one of ${NODE_IMAGES.map((i) => `"${i}"`).join(', ')}`,
  );

  const group = (prefix: 'controlPlane' | 'worker', diskGb: number, diskType: string) => {
    const machineType = get(`${prefix}MachineType`) ?? 'e2-standard-2';
    const shape = MACHINE_TYPE.test(machineType);
    c.require(
      shape,
      `${prefix}MachineType`,
      machineType,
      'a predefined machine type "<family>-<standard|highmem|highcpu>-<vCPUs>", such as "e2-standard-2"',
    );
    if (shape && prefix === 'controlPlane')
      c.require(
        vcpus(machineType) >= 2,
        `${prefix}MachineType`,
        machineType,
        'at least 2 vCPUs (kubeadm requires 2)',
      );
    const disk = Number(get(`${prefix}DiskGb`) ?? diskGb);
    c.integer(`${prefix}DiskGb`, disk, 20, 500);
    const type = get(`${prefix}DiskType`) ?? diskType;
    c.require(
      (DISK_TYPES as readonly string[]).includes(type),
      `${prefix}DiskType`,
      type,
      `one of ${DISK_TYPES.map((t) => `"${t}"`).join(', ')}`,
    );
    return { machineType, diskGb: disk, diskType: type as NodeGroup['diskType'] };
  };
  const controlPlane = group('controlPlane', 50, 'pd-ssd');
  const worker = group('worker', 40, 'pd-balanced');
  const count = Number(get('workerCount') ?? 3);
  c.integer('workerCount', count, 1, 20);

  const cidr = (key: string, fallback: string) => {
    const value = get(key) ?? fallback;
    const parsed = parseIpv4Cidr(value);
    c.require(parsed !== undefined, key, value, CIDR_FORMS);
    return { key, value, parsed };
  };
  const nets = [
    cidr('subnetCidr', '10.10.0.0/24'),
    cidr('podCidr', '192.168.0.0/16'),
    cidr('serviceCidr', '10.96.0.0/12'),
    cidr('metallbRange', '10.20.0.0/24'),
  ];
  nets.forEach((a, i) =>
    nets.slice(i + 1).forEach((b) => {
      if (a.parsed && b.parsed)
        c.require(
          !overlap(a.parsed, b.parsed),
          b.key,
          b.value,
          `a range that does not overlap ${a.key} ${a.value}`,
        );
    }),
  );

  const adminRaw = get('adminCidrs');
  const adminCidrs = (adminRaw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const admins = adminCidrs.map(parseIpv4Cidr);
  const adminsOk = c.require(
    adminCidrs.length > 0 && admins.every((a) => a !== undefined),
    'adminCidrs',
    adminRaw,
    'a comma-separated list of CIDRs that may reach the API server, such as "203.0.113.7/32" (your address: curl -4 ifconfig.me)',
  );
  const allowRaw = get('allowApiFromAnywhere') ?? 'false';
  c.require(
    ['true', 'false'].includes(allowRaw),
    'allowApiFromAnywhere',
    allowRaw,
    '"true" or "false"',
  );
  if (adminsOk && allowRaw !== 'true') {
    const ranges = admins.filter((a): a is Ipv4Cidr => a !== undefined);
    const covered = coveredAddresses(ranges);
    const openToAll = ranges.some((a) => a.prefix === 0);
    c.require(
      !openToAll,
      'adminCidrs',
      adminRaw,
      'a list without 0.0.0.0/0 (opening the API server to the internet needs allowApiFromAnywhere=true)',
    );
    if (!openToAll)
      c.require(
        covered <= ADMIN_ADDRESS_LIMIT,
        'adminCidrs',
        adminRaw,
        `ranges covering at most ${ADMIN_ADDRESS_LIMIT.toLocaleString('en-US')} addresses in all (a /8), overlaps counted once: these cover ${covered.toLocaleString('en-US')} (opening the API server that wide needs allowApiFromAnywhere=true)`,
      );
  }
  const clusterName = get('clusterName') ?? 'k8s-platform';
  c.dnsLabel('clusterName', clusterName);

  c.throwIfAny();
  return {
    name: clusterName,
    project: project as string,
    region,
    zone,
    kubernetesMinor: minor,
    image,
    controlPlane,
    workers: { ...worker, count },
    network: {
      subnetCidr: nets[0]?.value ?? '',
      podCidr: nets[1]?.value ?? '',
      serviceCidr: nets[2]?.value ?? '',
      metallbRange: nets[3]?.value ?? '',
    },
    adminCidrs,
  };
}
