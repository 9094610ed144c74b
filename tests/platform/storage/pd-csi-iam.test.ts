import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  PD_CSI_DRIVER_VERSION,
  pdCsiIam,
  PdCsiIam,
} from '../../../infra/platform/storage/pd-csi-iam';
import {
  dependencyRecorder,
  recordResources,
  Registered,
  settled,
  valueOf,
} from '../../support/pulumi-mocks';

// The PD CSI driver's grants under Pulumi mocks: exactly what upstream v1.26.4 documents, with
// serviceAccountUser on the workers' own account rather than the project.

const EMAIL = 'k8s-platform-worker@acme-platform-1.iam.gserviceaccount.com';
const registered: Registered[] = recordResources('k8s-platform', 'prod', (args) =>
  args.type === 'gcp:projects/iAMCustomRole:IAMCustomRole'
    ? {
        ...args.inputs,
        name: `projects/${String(args.inputs.project)}/roles/${String(args.inputs.roleId)}`,
      }
    : undefined,
);
const ofType = (type: string) => registered.filter((r) => r.type === type);

class Parent extends pulumi.ComponentResource {
  constructor(opts?: pulumi.ComponentResourceOptions) {
    super('test:index:Parent', 'parent', {}, opts);
  }
}
const recorder = dependencyRecorder();

let built: PdCsiIam;
let provider: gcp.Provider;
let api: gcp.projects.Service;

beforeAll(async () => {
  const parent = new Parent({ transformations: [recorder.transformation] });
  provider = new gcp.Provider('gcp', { project: 'acme-platform-1' }, { parent });
  api = new gcp.projects.Service('iam', { service: 'iam.googleapis.com' }, { parent, provider });
  built = pdCsiIam(
    'k8s-platform',
    {
      project: 'acme-platform-1',
      workerServiceAccountEmail: EMAIL,
      gcpProvider: provider,
      dependsOn: [api],
    },
    parent,
  );
  await valueOf(built.actAs.urn);
  await settled();
});

describe('pdCsiIam', () => {
  it('creates the custom role of upstream setup-project.sh, with exactly its permissions', () => {
    const roles = ofType('gcp:projects/iAMCustomRole:IAMCustomRole');
    expect(roles.map((r) => r.inputs)).toEqual([
      {
        project: 'acme-platform-1',
        roleId: 'k8s_platform_pd_csi_driver',
        title: 'k8s-platform PD CSI driver (v1.26.4)',
        description:
          'Compute permissions the PD CSI driver v1.26.4 documents beyond roles/compute.storageAdmin',
        permissions: [
          'compute.instances.get',
          'compute.instances.attachDisk',
          'compute.instances.detachDisk',
          'compute.disks.get',
        ],
      },
    ]);
  });

  it('grants on the project only storageAdmin and that role, to the workers', () => {
    const members = ofType('gcp:projects/iAMMember:IAMMember')
      .map((m) => m.inputs)
      .sort((a, b) => String(b.role).localeCompare(String(a.role)));
    expect(members).toEqual([
      {
        project: 'acme-platform-1',
        role: 'roles/compute.storageAdmin',
        member: `serviceAccount:${EMAIL}`,
      },
      {
        project: 'acme-platform-1',
        role: 'projects/acme-platform-1/roles/k8s_platform_pd_csi_driver',
        member: `serviceAccount:${EMAIL}`,
      },
    ]);
    // Nothing that replaces a project's policy, and no project-wide impersonation or editor.
    const types = new Set(registered.map((r) => r.type));
    for (const broad of [
      'gcp:projects/iAMBinding:IAMBinding',
      'gcp:projects/iAMPolicy:IAMPolicy',
      'gcp:serviceaccount/iAMBinding:IAMBinding',
      'gcp:serviceaccount/iAMPolicy:IAMPolicy',
    ])
      expect(types.has(broad)).toBe(false);
    expect(members.map((m) => m.role)).not.toContain('roles/iam.serviceAccountUser');
    expect(members.map((m) => m.role)).not.toContain('roles/editor');
  });

  it('lets the workers act as their own account only (attaching disks to their instances)', () => {
    expect(ofType('gcp:serviceaccount/iAMMember:IAMMember').map((m) => m.inputs)).toEqual([
      {
        serviceAccountId: `projects/acme-platform-1/serviceAccounts/${EMAIL}`,
        role: 'roles/iam.serviceAccountUser',
        member: `serviceAccount:${EMAIL}`,
      },
    ]);
  });

  it('creates nothing else, and returns every grant to depend on', () => {
    const mine = registered.filter((r) => !['parent', 'gcp', 'iam'].includes(r.name));
    expect(mine.map((r) => r.name).sort()).toEqual([
      'k8s-platform-pd-csi-act-as-worker',
      'k8s-platform-pd-csi-compute.storageAdmin',
      'k8s-platform-pd-csi-driver',
      'k8s-platform-pd-csi-pd-csi-driver',
    ]);
    expect(built.resources).toEqual([built.customRole, ...built.projectMembers, built.actAs]);
  });

  it('makes every grant with the given provider, after what it was told to wait for', () => {
    for (const name of [
      'k8s-platform-pd-csi-driver',
      'k8s-platform-pd-csi-compute.storageAdmin',
      'k8s-platform-pd-csi-pd-csi-driver',
      'k8s-platform-pd-csi-act-as-worker',
    ]) {
      expect([name, recorder.dependsOn.get(name)]).toEqual([name, ['iam']]);
      expect([name, recorder.opts.get(name)?.provider]).toEqual([name, provider]);
    }
  });

  it.each(['K8s', 'a', 'cluster-', '1cluster', 'x'.repeat(43)])('refuses the name %j', (name) => {
    expect(() =>
      pdCsiIam(
        name,
        { project: 'p', workerServiceAccountEmail: EMAIL, gcpProvider: provider },
        new Parent(),
      ),
    ).toThrow(
      `pdCsiIam: name "${name}" is not allowed: 2 to 42 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    );
  });
});

describe('the driver these grants follow', () => {
  const dir = join(__dirname, '..', '..', '..', 'infra', 'platform', 'storage', 'gce-pd');

  it('is the release gce-pd/kustomization.yaml installs', () => {
    const k = readFileSync(join(dir, 'kustomization.yaml'), 'utf8');
    expect(k).toContain(`overlays/noauth?ref=${PD_CSI_DRIVER_VERSION}\n`);
    expect(k).toContain(`newTag: ${PD_CSI_DRIVER_VERSION}\n`);
  });

  it('runs its controller and node plugin on the host network (pods are kept off the metadata server)', () => {
    const docs = parseAllDocuments(readFileSync(join(dir, 'resources.yaml'), 'utf8')).map(
      (d) => d.toJS() as { kind: string; spec: { template: { spec: { hostNetwork?: boolean } } } },
    );
    expect(docs.map((d) => [d.kind, d.spec.template.spec.hostNetwork])).toEqual([
      ['DaemonSet', true],
      ['Deployment', true],
    ]);
  });
});
