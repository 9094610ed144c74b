// Facts about Google Cloud that the gcp target's configuration is judged against, so that a value
// GCP would refuse half-way through `pulumi up` is refused before anything is created. Each
// table says where it comes from and how to bring it up to date; none is looked up at run time
// (nothing here checks over the network).

/** When REGION_ZONES was taken. */
export const REGION_ZONES_DATE = '2026-11-30';

/**
 * Compute Engine regions and the letters of their zones (`europe-west1` + `b` is
 * `europe-west1-b`), taken on REGION_ZONES_DATE from Google's "Regions and zones" table
 * (https://cloud.google.com/compute/docs/regions-zones) and cross-checked against two public
 * copies of it. Not every machine family is offered in every zone; that is left to GCP.
 *
 * To extend it (a region opened after that date), list what your project sees:
 *   gcloud compute zones list --format="value(region.basename(),name)" | sort
 * and add the region with its zone letters here; `tests/config/gcp-facts.test.ts` checks the
 * table's shape (every region has a "-b" zone, the default).
 */
export const REGION_ZONES: Readonly<Record<string, string>> = {
  'africa-south1': 'abc', // Johannesburg
  'asia-east1': 'abc', // Changhua County
  'asia-east2': 'abc', // Hong Kong
  'asia-northeast1': 'abc', // Tokyo
  'asia-northeast2': 'abc', // Osaka
  'asia-northeast3': 'abc', // Seoul
  'asia-south1': 'abc', // Mumbai
  'asia-south2': 'abc', // Delhi
  'asia-southeast1': 'abc', // Singapore
  'asia-southeast2': 'abc', // Jakarta
  'asia-southeast3': 'abc', // Bangkok
  'australia-southeast1': 'abc', // Sydney
  'australia-southeast2': 'abc', // Melbourne
  'europe-central2': 'abc', // Warsaw
  'europe-north1': 'abc', // Hamina
  'europe-north2': 'abc', // Stockholm
  'europe-southwest1': 'abc', // Madrid
  'europe-west1': 'bcd', // St. Ghislain
  'europe-west2': 'abc', // London
  'europe-west3': 'abc', // Frankfurt
  'europe-west4': 'abc', // Eemshaven
  'europe-west6': 'abc', // Zurich
  'europe-west8': 'abc', // Milan
  'europe-west9': 'abc', // Paris
  'europe-west10': 'abc', // Berlin
  'europe-west12': 'abc', // Turin
  'me-central1': 'abc', // Doha
  'me-central2': 'abc', // Dammam
  'me-west1': 'abc', // Tel Aviv
  'northamerica-northeast1': 'abc', // Montréal
  'northamerica-northeast2': 'abc', // Toronto
  'northamerica-south1': 'abc', // Querétaro
  'southamerica-east1': 'abc', // São Paulo
  'southamerica-west1': 'abc', // Santiago
  'us-central1': 'abcf', // Council Bluffs
  'us-east1': 'bcd', // Moncks Corner
  'us-east4': 'abc', // Ashburn
  'us-east5': 'abc', // Columbus
  'us-south1': 'abc', // Dallas
  'us-west1': 'abc', // The Dalles
  'us-west2': 'abc', // Los Angeles
  'us-west3': 'abc', // Salt Lake City
  'us-west4': 'abc', // Las Vegas
};

/** The zones of a pinned region, or undefined for a region the table does not know. */
export function zonesOf(region: string): readonly string[] | undefined {
  const letters = Object.hasOwn(REGION_ZONES, region) ? REGION_ZONES[region] : undefined;
  return letters?.split('').map((letter) => `${region}-${letter}`);
}

export const MACHINE_KINDS = ['standard', 'highmem', 'highcpu'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

/**
 * The predefined shapes `<family>-<kind>-<vCPUs>` of the families this project allows: for each
 * family, the kinds it comes in and their vCPU counts. From Google's machine family pages
 * (https://cloud.google.com/compute/docs/machine-resource), cross-checked on 2026-11-30 against
 * the machine types of the public price list (Cyclenerd/google-cloud-pricing-cost-calculator,
 * build/gcp.yml of 2026-08-20). Variants with a suffix (`-lssd`, `-metal`), shared-core types
 * (`e2-medium`) and custom types are not offered here.
 *
 * To extend it: `gcloud compute machine-types list --zones=<zone> --filter="name~^<family>-"`.
 */
export const MACHINE_SHAPES: Readonly<
  Record<string, Readonly<Partial<Record<MachineKind, readonly number[]>>>>
> = {
  e2: {
    standard: [2, 4, 8, 16, 32],
    highmem: [2, 4, 8, 16],
    highcpu: [2, 4, 8, 16, 32],
  },
  n1: {
    standard: [1, 2, 4, 8, 16, 32, 64, 96],
    highmem: [2, 4, 8, 16, 32, 64, 96],
    highcpu: [2, 4, 8, 16, 32, 64, 96],
  },
  n2: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96],
  },
  n2d: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
  },
  n4: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80],
  },
  c2: { standard: [4, 8, 16, 30, 60] },
  c2d: {
    standard: [2, 4, 8, 16, 32, 56, 112],
    highmem: [2, 4, 8, 16, 32, 56, 112],
    highcpu: [2, 4, 8, 16, 32, 56, 112],
  },
  c3: {
    standard: [4, 8, 22, 44, 88, 176],
    highmem: [4, 8, 22, 44, 88, 176],
    highcpu: [4, 8, 22, 44, 88, 176],
  },
  c3d: {
    standard: [4, 8, 16, 30, 60, 90, 180, 360],
    highmem: [4, 8, 16, 30, 60, 90, 180, 360],
    highcpu: [4, 8, 16, 30, 60, 90, 180, 360],
  },
  t2d: { standard: [1, 2, 4, 8, 16, 32, 48, 60] },
};

/**
 * Memory per vCPU of each family and kind, in GiB (Google's machine family pages write "GB" for
 * what is GiB: e2-standard-2 has 8 GB, 8192 MiB): `<family>-<kind>-<n>` has n times this much.
 * From the same pages (https://cloud.google.com/compute/docs/general-purpose-machines,
 * https://cloud.google.com/compute/docs/compute-optimized-machines) and checked against every
 * shape of MACHINE_SHAPES in the price list named there; the shapes that break their family's
 * rule are in MACHINE_MEMORY_EXCEPTIONS.
 */
export const MEMORY_PER_VCPU_GIB: Readonly<
  Record<string, Readonly<Partial<Record<MachineKind, number>>>>
> = {
  e2: { standard: 4, highmem: 8, highcpu: 1 },
  n1: { standard: 3.75, highmem: 6.5, highcpu: 0.9 },
  n2: { standard: 4, highmem: 8, highcpu: 1 },
  n2d: { standard: 4, highmem: 8, highcpu: 1 },
  n4: { standard: 4, highmem: 8, highcpu: 2 },
  c2: { standard: 4 },
  c2d: { standard: 4, highmem: 8, highcpu: 2 },
  c3: { standard: 4, highmem: 8, highcpu: 2 },
  c3d: { standard: 4, highmem: 8, highcpu: 2 },
  t2d: { standard: 4 },
};

/** Shapes whose memory (GiB) is not their family's per-vCPU rule. */
export const MACHINE_MEMORY_EXCEPTIONS: Readonly<Record<string, number>> = {
  'n2-highmem-128': 864,
  'c3d-highcpu-180': 354,
  'c3d-highcpu-360': 708,
};

/**
 * IPv4 subnets (https://cloud.google.com/vpc/docs/subnets): the smallest primary range GCP
 * creates is a /29, and it reserves 4 addresses of every primary range (the network address,
 * the default gateway, the second-to-last address and the broadcast address).
 */
export const SUBNET = { smallestPrefix: 29, reservedAddresses: 4 } as const;

/**
 * Names. Compute Engine resources (networks, subnets, routers, firewall rules, addresses,
 * instances, routes, health checks, target pools, forwarding rules) and network tags are RFC 1035
 * labels of at most 63 characters; service account IDs are the same alphabet, 6 to 30 characters
 * (https://cloud.google.com/compute/docs/naming-resources,
 * https://cloud.google.com/iam/docs/service-accounts-create).
 */
export const GCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const SERVICE_ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
