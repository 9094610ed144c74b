// The VMs. Day 2 must not cost the cluster its state:
// - the control plane boots from its own disk, created apart from the VM and protected, so etcd
//   (and Vault's data in it) outlives the VM; the VM itself is protected too, and changes to its
//   image or startup script are ignored (an upgrade is `npm run cluster:upgrade`, in place);
// - the startup script is instance metadata (`startup-script`), which changes in place, where
//   `metadataStartupScript` would replace the VM; a marker file makes later boots no-ops;
// - a worker may be replaced: it is drained first (a command whose delete step runs before the
//   VM's, see drain.ts) and joins again with the rotating bootstrap token.
import * as command from '@pulumi/command';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpConfig } from '../../config/gcp';
import { repoScript } from '../../config/repo-command';
import { EnabledApis, GoogleBase, needing } from './apis';
import { NodeIdentity } from './identity';
import { ClusterNetwork, nodeTags } from './network';
import { controlPlaneVmName, workerVmName } from './node-names';

/** Metadata every node gets; the startup script is added per role. */
export const NODE_METADATA = {
  'enable-oslogin': 'TRUE',
  'block-project-ssh-keys': 'TRUE',
  // The startup scripts report their progress and failures as guest attributes, which the
  // readiness wait reads.
  'enable-guest-attributes': 'TRUE',
} as const;

/** What `pulumi up` leaves alone on the control plane once it exists. */
export const CONTROL_PLANE_IGNORED = ['metadata["startup-script"]', 'bootDisk'];

export interface ControlPlaneAddresses {
  readonly internal: gcp.compute.Address;
  readonly external: gcp.compute.Address;
}

export function controlPlaneAddresses(
  c: GcpConfig,
  net: ClusterNetwork,
  apis: EnabledApis,
  base: GoogleBase,
): ControlPlaneAddresses {
  const g = needing(base, apis, 'compute');
  const n = c.name;
  return {
    internal: new gcp.compute.Address(
      `${n}-cp-internal`,
      {
        name: `${n}-cp-internal`,
        addressType: 'INTERNAL',
        subnetwork: net.subnet.id,
        region: c.region,
      },
      g,
    ),
    external: new gcp.compute.Address(
      `${n}-cp-public`,
      { name: `${n}-cp-public`, addressType: 'EXTERNAL', region: c.region },
      g,
    ),
  };
}

export interface Nodes {
  readonly controlPlane: gcp.compute.Instance;
  readonly workers: gcp.compute.Instance[];
  /** One per worker: drains it before it is deleted or replaced. */
  readonly drains: command.local.Command[];
}

export function clusterNodes(
  c: GcpConfig,
  a: {
    net: ClusterNetwork;
    addresses: ControlPlaneAddresses;
    identity: NodeIdentity;
    controlPlaneScript: pulumi.Output<string>;
    workerScript: pulumi.Output<string>;
    /** Admin kubeconfig (secret), used by the drain step. */
    kubeconfig: pulumi.Output<string>;
  },
  apis: EnabledApis,
  base: GoogleBase,
): Nodes {
  const n = c.name;
  const tags = nodeTags(n);
  const g = needing(base, apis, 'compute', 'iam', 'secretManager');
  const vm = (
    id: string,
    machineType: string,
    bootDisk: gcp.types.input.compute.InstanceBootDisk,
    startupScript: pulumi.Output<string>,
    role: 'controlPlane' | 'worker',
    opts: pulumi.CustomResourceOptions,
  ) =>
    new gcp.compute.Instance(
      id,
      {
        name: id,
        zone: c.zone,
        machineType,
        bootDisk,
        networkInterfaces: [
          role === 'controlPlane'
            ? {
                subnetwork: a.net.subnet.id,
                networkIp: a.addresses.internal.address,
                accessConfigs: [{ natIp: a.addresses.external.address }],
              }
            : { subnetwork: a.net.subnet.id },
        ],
        // Workers receive traffic for MetalLB's addresses through VPC routes.
        canIpForward: role === 'worker',
        serviceAccount: {
          email: (role === 'controlPlane' ? a.identity.controlPlane : a.identity.worker).email,
          scopes: ['cloud-platform'],
        },
        shieldedInstanceConfig: {
          enableSecureBoot: true,
          enableVtpm: true,
          enableIntegrityMonitoring: true,
        },
        tags: [tags.node, role === 'controlPlane' ? tags.controlPlane : tags.worker],
        metadata: { ...NODE_METADATA, 'startup-script': startupScript },
        allowStoppingForUpdate: true,
      },
      { ...g, ...opts, dependsOn: [...(g.dependsOn as pulumi.Resource[]), ...a.identity.secrets] },
    );

  // etcd lives on the control plane's boot disk: a disk of its own, kept if the VM goes.
  const cpDisk = new gcp.compute.Disk(
    `${n}-cp-0-boot`,
    {
      name: `${n}-cp-0-boot`,
      zone: c.zone,
      image: c.image,
      size: c.controlPlane.diskGb,
      type: c.controlPlane.diskType,
    },
    { ...needing(base, apis, 'compute'), protect: true, ignoreChanges: ['image'] },
  );
  const controlPlane = vm(
    controlPlaneVmName(n),
    c.controlPlane.machineType,
    { source: cpDisk.selfLink, autoDelete: false },
    a.controlPlaneScript,
    'controlPlane',
    { protect: true, ignoreChanges: CONTROL_PLANE_IGNORED, deleteBeforeReplace: true },
  );

  const workers: gcp.compute.Instance[] = [];
  const drains: command.local.Command[] = [];
  for (let i = 0; i < c.workers.count; i++) {
    const id = workerVmName(n, i);
    const worker = vm(
      id,
      c.workers.machineType,
      { initializeParams: { image: c.image, size: c.workers.diskGb, type: c.workers.diskType } },
      a.workerScript,
      'worker',
      // Names are fixed, so a replacement deletes the old VM first (after the drain below).
      { deleteBeforeReplace: true },
    );
    workers.push(worker);
    // Nothing to do on create; on delete (the worker goes, or is replaced: the trigger changes
    // with the VM's id), the node is drained and its Node object removed.
    const drain = repoScript('infra/cluster/gcp/drain.ts');
    drains.push(
      new command.local.Command(
        `${id}-drain`,
        {
          create: 'true',
          delete: drain.command,
          dir: drain.dir,
          environment: {
            KUBECONFIG_CONTENT: a.kubeconfig,
            KUBE_CONTEXT: n,
            NODE_NAME: id,
            DRAIN_MINUTES: '15',
          },
          triggers: [worker.instanceId],
        },
        { parent: base.parent, dependsOn: [worker], deleteBeforeReplace: true },
      ),
    );
  }
  return { controlPlane, workers, drains };
}
