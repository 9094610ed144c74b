// What the Compute Engine PD CSI driver may do in Google Cloud. The driver (gce-pd/, the noauth
// overlay) takes its credentials from the metadata server of the worker it runs on, so these
// grants go to the workers' service account. Pods cannot borrow them: the node rule in
// infra/cluster/gcp/metadata-block.ts keeps pods off the metadata server; the driver's
// controller and node plugin run on the host network (pinned in gce-pd/resources.yaml).
//
// Source: kubernetes-sigs/gcp-compute-persistent-disk-csi-driver at v1.26.4 (commit
// 6e7ea1c1fec09b9826b2f9922eb8919435284c6b, the release gce-pd/kustomization.yaml installs):
// - docs/kubernetes/user-guides/driver-install.md, "Set up or use an existing service account",
//   lists compute.instances.get, compute.instances.attachDisk, compute.instances.detachDisk,
//   roles/compute.storageAdmin and roles/iam.serviceAccountUser; its security note recommends
//   granting serviceAccountUser only on the node service accounts the driver attaches disks to
//   (NODE_SERVICE_ACCOUNTS), not project-wide.
// - deploy/setup-project.sh with deploy/common.sh binds roles/compute.storageAdmin and the custom
//   role of deploy/gcp-compute-persistent-disk-csi-driver-custom-role.yaml (the three
//   compute.instances permissions plus compute.disks.get) on the project, and with
//   NODE_SERVICE_ACCOUNTS set grants serviceAccountUser on each of those accounts only.
//   (common.sh also binds roles/editor: a leftover of its local-development instructions,
//   commit ee61d4a7, not a driver need; it is not granted here.)
//
// Narrowed where the upstream allows: serviceAccountUser on the workers' own account (the only
// instances the driver attaches to: the controller runs on workers, and workloads with volumes
// do not tolerate the control plane's taint), not on the project. Not narrowed:
// roles/compute.storageAdmin stays project-wide, because the upstream documents no smaller set.
// The driver creates, resizes, relabels and deletes disks, snapshots and images across zones
// (pkg/gce-cloud-provider/compute/gce-compute.go); a role derived from that code by hand could
// not be proven here without a Google Cloud project, and a missing permission would show only
// when a volume fails to provision or attach.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** The driver release these grants follow (gce-pd/kustomization.yaml installs the same). */
export const PD_CSI_DRIVER_VERSION = 'v1.26.4';
/** The driver's custom role, as upstream's setup script defines it. */
export const PD_CSI_CUSTOM_PERMISSIONS = [
  'compute.instances.get',
  'compute.instances.attachDisk',
  'compute.instances.detachDisk',
  'compute.disks.get',
] as const;
/** Predefined roles the driver needs on the project. */
export const PD_CSI_PROJECT_ROLES = ['roles/compute.storageAdmin'] as const;
/** Needed on the account of each instance the driver attaches disks to. */
export const PD_CSI_ACT_AS_ROLE = 'roles/iam.serviceAccountUser';

export interface PdCsiIamArgs {
  /** The Google Cloud project the disks and the workers live in. */
  readonly project: pulumi.Input<string>;
  /** The workers' service account: the driver's identity and the account of its instances. */
  readonly workerServiceAccountEmail: pulumi.Input<string>;
  /** The provider every grant is made with. */
  readonly gcpProvider?: pulumi.ProviderResource;
  /** What must exist first (the IAM API enabled, the account created). @default [] */
  readonly dependsOn?: pulumi.Resource[];
}

export interface PdCsiIam {
  readonly customRole: gcp.projects.IAMCustomRole;
  /** Project-level grants: the predefined roles, then the custom role. */
  readonly projectMembers: gcp.projects.IAMMember[];
  /** serviceAccountUser on the workers' own account. */
  readonly actAs: gcp.serviceaccount.IAMMember;
  /** Everything above, to depend on before the driver is installed. */
  readonly resources: pulumi.Resource[];
}

const NAME = /^[a-z][a-z0-9-]{0,40}[a-z0-9]$/;

/** Grants the workers' service account what the PD CSI driver documents it needs. */
export function pdCsiIam(name: string, args: PdCsiIamArgs, parent: pulumi.Resource): PdCsiIam {
  if (!NAME.test(name)) {
    throw new Error(
      `pdCsiIam: name "${name}" is not allowed: 2 to 42 characters, lowercase letters, digits ` +
        `and hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
  const opts = { parent, provider: args.gcpProvider, dependsOn: args.dependsOn ?? [] };
  const member = pulumi.interpolate`serviceAccount:${args.workerServiceAccountEmail}`;
  const customRole = new gcp.projects.IAMCustomRole(
    `${name}-pd-csi-driver`,
    {
      // Not the cluster's earlier `<name>_pd_csi` role id: a new resource with the old id would
      // be created before the old one is deleted and collide with it.
      roleId: `${name.replace(/-/g, '_')}_pd_csi_driver`,
      title: `${name} PD CSI driver (${PD_CSI_DRIVER_VERSION})`,
      description: `Compute permissions the PD CSI driver ${PD_CSI_DRIVER_VERSION} documents beyond roles/compute.storageAdmin`,
      permissions: [...PD_CSI_CUSTOM_PERMISSIONS],
      project: args.project,
    },
    opts,
  );
  const projectMembers = [
    ...PD_CSI_PROJECT_ROLES.map((role) => ({ suffix: role.split('/')[1] ?? role, role })),
    { suffix: 'pd-csi-driver', role: customRole.name },
  ].map(
    ({ suffix, role }) =>
      new gcp.projects.IAMMember(
        `${name}-pd-csi-${suffix}`,
        { project: args.project, role, member },
        opts,
      ),
  );
  const actAs = new gcp.serviceaccount.IAMMember(
    `${name}-pd-csi-act-as-worker`,
    {
      serviceAccountId: pulumi.interpolate`projects/${args.project}/serviceAccounts/${args.workerServiceAccountEmail}`,
      role: PD_CSI_ACT_AS_ROLE,
      member,
    },
    opts,
  );
  return { customRole, projectMembers, actAs, resources: [customRole, ...projectMembers, actAs] };
}
