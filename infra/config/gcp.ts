// Stack configuration of the gcp target (keys under `k8s-platform:`), validated as a whole
// before any resource is registered: every bad key is reported at once, with its value and
// what is allowed.
import { Checks } from './checks';
import { CIDR_FORMS, coveredAddresses, Ipv4Cidr, parseIpv4Cidr } from './cidr';
import { REGION_ZONES_DATE, SUBNET, zonesOf } from './gcp-facts';
import {
  ADMIN_ADDRESS_LIMIT,
  CLUSTER_NAME,
  machineTypeProblem,
  subnetPrefixFor,
  vcpus,
} from './gcp-rules';

/** Boot images the node scripts support (apt, systemd, gcloud preinstalled). */
export const NODE_IMAGES = [
  'debian-cloud/debian-12',
  'ubuntu-os-cloud/ubuntu-2204-lts',
  'ubuntu-os-cloud/ubuntu-2404-lts-amd64',
] as const;

/**
 * The default of every gcp key, as a stack would set it: the one place each lives. Pulumi.yaml
 * documents the same values (tests/config/pulumi-yaml.test.ts holds the two together).
 *
 * Workers by default: three, of 4 vCPUs and 16 GiB. On e2-standard-2 workers, what the cluster
 * and the platform run (Calico, kube-proxy, CoreDNS, the add-ons) would request about half of
 * the CPU the kubelets offer; on e2-standard-4 it is under a quarter (`npm run footprint`).
 */
export const GCP_DEFAULTS = {
  gcpRegion: 'europe-west1',
  nodeImage: 'debian-cloud/debian-12',
  workerCount: 3,
  controlPlaneMachineType: 'e2-standard-2',
  workerMachineType: 'e2-standard-4',
  controlPlaneDiskGb: 50,
  controlPlaneDiskType: 'pd-ssd',
  workerDiskGb: 40,
  workerDiskType: 'pd-balanced',
  subnetCidr: '10.10.0.0/24',
  podCidr: '192.168.0.0/16',
  serviceCidr: '10.96.0.0/12',
  metallbRange: '10.20.0.0/24',
  apiServerEndpoint: 'public',
  allowApiFromAnywhere: false,
  clusterName: 'k8s-platform',
} as const;

/**
 * The fewest workers the platform schedules on: Vault runs 3 raft servers with required
 * anti-affinity (one per worker; 3 is the smallest odd quorum that survives losing one), and
 * ingress-nginx 2 replicas spread with DoNotSchedule. On 1 or 2 workers Vault's third server
 * would stay Pending. Replica counts that shrink with the worker count would give Vault a quorum
 * of 1 (no fault tolerance) on the very clusters that can least afford to lose it, so the
 * minimum is raised instead.
 */
export const MIN_WORKERS = 3;
export const MAX_WORKERS = 20;

export const DISK_TYPES = ['pd-standard', 'pd-balanced', 'pd-ssd'] as const;

/** Google's IAP TCP forwarding range: the only source allowed to reach SSH. */
export const IAP_RANGE = '35.235.240.0/20';

/**
 * How the program (its kubeconfig, its readiness waits, the Kubernetes provider) reaches the
 * API server: `public` through the control plane's external address, which adminCidrs must
 * cover; `iap-tunnel` through an IAP TCP tunnel on 127.0.0.1:API_TUNNEL_PORT that whoever runs
 * `pulumi up` keeps open (scripts/ci/api-tunnel.sh; the infra workflow does), for runners whose
 * addresses no one can list, such as GitHub's.
 */
export const API_SERVER_ENDPOINTS = ['public', 'iap-tunnel'] as const;
export type ApiServerEndpoint = (typeof API_SERVER_ENDPOINTS)[number];

/** The local port of the IAP tunnel to the API server (6443 on the control plane). */
export const API_TUNNEL_PORT = 16443;

export interface GcpConfig {
  /** Prefix of every resource name. @default GCP_DEFAULTS.clusterName */
  readonly name: string;
  readonly project: string;
  readonly region: string;
  readonly zone: string;
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
  /** How the program reaches the API server. @default GCP_DEFAULTS.apiServerEndpoint */
  readonly apiServerEndpoint: ApiServerEndpoint;
}

export interface NodeGroup {
  readonly machineType: string;
  readonly diskGb: number;
  readonly diskType: (typeof DISK_TYPES)[number];
}

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

function overlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const end = (c: Ipv4Cidr) => c.network + 2 ** (32 - c.prefix) - 1;
  return a.network <= end(b) && b.network <= end(a);
}

/** Reads and validates the gcp target's keys; throws one ConfigError naming every bad key. */
export function readGcpConfig(get: (key: string) => string | undefined): GcpConfig {
  const c = new Checks('k8s-platform');
  /** A key's value, or its default from GCP_DEFAULTS. */
  const value = (key: keyof typeof GCP_DEFAULTS): string => get(key) ?? String(GCP_DEFAULTS[key]);

  const project = get('gcpProject');
  c.require(
    project !== undefined && PROJECT.test(project),
    'gcpProject',
    project,
    'a Google Cloud project ID (6-30 lowercase letters, digits, hyphens)',
  );
  const region = value('gcpRegion');
  const zones = zonesOf(region);
  c.require(
    zones !== undefined,
    'gcpRegion',
    region,
    `a Compute Engine region such as "europe-west1" (infra/config/gcp-facts.ts lists those of ${REGION_ZONES_DATE}; add a newer one there)`,
  );
  const zone = get('gcpZone') ?? `${region}-b`;
  if (zones)
    c.require(
      zones.includes(zone),
      'gcpZone',
      zone,
      `one of the zones of ${region}: ${zones.map((z) => `"${z}"`).join(', ')}`,
    );

  const image = value('nodeImage');
  c.require(
    (NODE_IMAGES as readonly string[]).includes(image),
    'nodeImage',
    image,
    `one of ${NODE_IMAGES.map((i) => `"${i}"`).join(', ')}`,
  );

  const group = (prefix: 'controlPlane' | 'worker') => {
    const machineType = value(`${prefix}MachineType`);
    const problem = machineTypeProblem(machineType);
    const exists = c.require(
      problem === undefined,
      `${prefix}MachineType`,
      machineType,
      problem ?? '',
    );
    if (exists && prefix === 'controlPlane')
      c.require(
        vcpus(machineType) >= 2,
        `${prefix}MachineType`,
        machineType,
        'at least 2 vCPUs (kubeadm requires 2)',
      );
    const disk = Number(value(`${prefix}DiskGb`));
    c.integer(`${prefix}DiskGb`, disk, 20, 500);
    const type = value(`${prefix}DiskType`);
    c.require(
      (DISK_TYPES as readonly string[]).includes(type),
      `${prefix}DiskType`,
      type,
      `one of ${DISK_TYPES.map((t) => `"${t}"`).join(', ')}`,
    );
    return { machineType, diskGb: disk, diskType: type as NodeGroup['diskType'] };
  };
  const controlPlane = group('controlPlane');
  const worker = group('worker');
  const count = Number(value('workerCount'));
  const countOk = c.require(
    Number.isInteger(count) && count >= MIN_WORKERS && count <= MAX_WORKERS,
    'workerCount',
    count,
    `an integer from ${MIN_WORKERS} to ${MAX_WORKERS} (the platform needs ${MIN_WORKERS} workers: Vault's 3 raft servers each on their own worker, ingress-nginx's 2 replicas spread with DoNotSchedule)`,
  );

  const cidr = (key: 'subnetCidr' | 'podCidr' | 'serviceCidr' | 'metallbRange') => {
    const text = value(key);
    const parsed = parseIpv4Cidr(text);
    c.require(parsed !== undefined, key, text, CIDR_FORMS);
    return { key, value: text, parsed };
  };
  const nets = [cidr('subnetCidr'), cidr('podCidr'), cidr('serviceCidr'), cidr('metallbRange')];
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
  // Every node takes one address of the subnet (the control plane's is reserved for it).
  const subnet = nets[0];
  if (subnet?.parsed && countOk) {
    const needed = subnetPrefixFor(count + 1);
    c.require(
      subnet.parsed.prefix <= needed,
      'subnetCidr',
      subnet.value,
      `a /${needed} or larger range: each of the ${count + 1} nodes (1 control plane, ${count} worker${count === 1 ? '' : 's'}) needs an address besides the ${SUBNET.reservedAddresses} GCP reserves in every subnet, and GCP's smallest subnet is a /${SUBNET.smallestPrefix}`,
    );
  }

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
  const allowRaw = value('allowApiFromAnywhere');
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
  const apiServerEndpoint = value('apiServerEndpoint');
  c.require(
    (API_SERVER_ENDPOINTS as readonly string[]).includes(apiServerEndpoint),
    'apiServerEndpoint',
    apiServerEndpoint,
    `"public" (the control plane's external address, reached from adminCidrs) or "iap-tunnel" (an IAP tunnel on 127.0.0.1:${API_TUNNEL_PORT}, for CI runners outside adminCidrs)`,
  );
  const clusterName = value('clusterName');
  c.matches(
    'clusterName',
    clusterName,
    CLUSTER_NAME,
    '3 to 23 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (it starts every GCP resource name, which must begin with a letter, and the service account IDs "<name>-cp" and "<name>-worker", which GCP limits to 6 to 30 characters)',
  );

  c.throwIfAny();
  return {
    name: clusterName,
    project: project as string,
    region,
    zone,
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
    apiServerEndpoint: apiServerEndpoint as ApiServerEndpoint,
  };
}
