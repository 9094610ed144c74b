// Rules of the gcp target's values that rest on the facts in gcp-facts.ts: machine shapes, how
// large the subnet and the admin ranges may be, and the cluster name's bounds. gcp.ts reads the
// keys and applies them.
import { ConfigError } from './errors';
import {
  MACHINE_KINDS,
  MACHINE_MEMORY_EXCEPTIONS,
  MACHINE_SHAPES,
  MachineKind,
  MEMORY_PER_VCPU_GIB,
  SUBNET,
} from './gcp-facts';

/** `<family>-<kind>-<vCPUs>`, for the families and kinds the shape table knows. */
const MACHINE_TYPE = new RegExp(
  `^(${Object.keys(MACHINE_SHAPES).join('|')})-(${MACHINE_KINDS.join('|')})-(\\d+)$`,
);

/**
 * The most addresses adminCidrs may open 6443 to, all ranges together, without
 * allowApiFromAnywhere: 2^24, one /8. The largest single block ever allocated is a /8 (the
 * legacy class A blocks), and the networks an admin connects from are a few egress ranges, far
 * smaller than that; a union beyond it, such as "0.0.0.0/1,128.0.0.0/1" or any /7, is a slice of
 * the internet, not a list of admins. A VPN's whole private range (10.0.0.0/8) still fits.
 */
export const ADMIN_ADDRESS_LIMIT = 2 ** 24;

/**
 * clusterName prefixes every name the gcp cluster layer gives GCP (infra/cluster/gcp/index.ts).
 * The tightest limit is on the service account IDs "<name>-cp" and "<name>-worker", 6 to 30
 * characters: so the name is 3 to 23 characters, and starts with a letter like every Compute
 * Engine name. The longest Compute Engine name, the firewall rule "<name>-lb-health-checks", is
 * then 40 of 63 characters. tests/config/cluster-name.test.ts builds the cluster at both bounds
 * and checks every name it gives GCP.
 */
export const CLUSTER_NAME = /^[a-z][-a-z0-9]{1,21}[a-z0-9]$/;

/** "2, 4 or 8". */
function either(values: readonly (string | number)[]): string {
  const all = values.map(String);
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} or ${all.at(-1) ?? ''}` : (all[0] ?? '');
}

/** What is wrong with a machine type, phrased to follow "must be", or undefined if it exists. */
export function machineTypeProblem(machineType: string): string | undefined {
  const match = MACHINE_TYPE.exec(machineType);
  if (!match)
    return 'a predefined machine type "<family>-<standard|highmem|highcpu>-<vCPUs>", such as "e2-standard-2"';
  const [, family = '', kind = '', cpus = ''] = match;
  const kinds = MACHINE_SHAPES[family] ?? {};
  const counts = kinds[kind as MachineKind];
  if (!counts) {
    const offered = Object.keys(kinds).map((k) => `${family}-${k}`);
    return `a predefined machine type: there is no ${family}-${kind} (the ${family} family comes as ${either(offered)})`;
  }
  // Compared as text: "e2-standard-02" is not a machine type even though 02 is 2.
  if (!counts.map(String).includes(cpus))
    return `a predefined machine type: ${family}-${kind} comes with ${either(counts)} vCPUs`;
  return undefined;
}

/** The vCPUs of a machine type (0 when it is not a predefined shape). */
export function vcpus(machineType: string): number {
  return Number(MACHINE_TYPE.exec(machineType)?.[3] ?? 0);
}

/** A machine's vCPUs (in millicores) and memory, as Compute Engine gives them to the guest. */
export interface MachineShape {
  readonly machineType: string;
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

/**
 * The shape of a predefined machine type, from the family rules in gcp-facts.ts; refuses a type
 * the shape table does not know, naming `key` (the stack key the type came from).
 */
export function machineShape(machineType: string, key = 'workerMachineType'): MachineShape {
  const problem = machineTypeProblem(machineType);
  if (problem !== undefined)
    throw new ConfigError([{ key: `k8s-platform.${key}`, value: machineType, allowed: problem }]);
  const [, family = '', kind = ''] = MACHINE_TYPE.exec(machineType) ?? [];
  const cpus = vcpus(machineType);
  const perVcpu = MEMORY_PER_VCPU_GIB[family]?.[kind as MachineKind] ?? NaN;
  const gib = Object.hasOwn(MACHINE_MEMORY_EXCEPTIONS, machineType)
    ? (MACHINE_MEMORY_EXCEPTIONS[machineType] ?? NaN)
    : cpus * perVcpu;
  // Fractional GiB (n1-highcpu-2: 1.8) round down to whole MiB, as Compute Engine lists them.
  return { machineType, cpuMillis: cpus * 1000, memoryMiB: Math.floor(gib * 1024) };
}

/** The largest subnet prefix (smallest range) that holds `nodes` beside GCP's reserved addresses. */
export function subnetPrefixFor(nodes: number): number {
  let prefix = SUBNET.smallestPrefix;
  while (2 ** (32 - prefix) - SUBNET.reservedAddresses < nodes) prefix -= 1;
  return prefix;
}
