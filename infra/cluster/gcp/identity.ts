// Who the nodes are and what they may read: one service account per role with logs and
// metrics only, and the cluster's trust material in Secret Manager, each secret readable by the
// accounts that need it. The control plane also rotates the bootstrap token there.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpConfig } from '../../config/gcp';
import { EnabledApis, GoogleBase, needing } from './apis';
import { secretNames } from './bootstrap';
import { ClusterPki } from './pki';

/** Project roles each node service account gets: logs and metrics, nothing else. */
const NODE_ROLES = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'];

/**
 * The control plane replaces the bootstrap token on a timer (a new version of the secret); it
 * adds versions and disables the old ones, and reads nothing else it could not read anyway.
 */
const TOKEN_ROTATION_ROLES = [
  'roles/secretmanager.secretVersionAdder',
  'roles/secretmanager.secretVersionManager',
];

export interface NodeIdentity {
  readonly controlPlane: gcp.serviceaccount.Account;
  readonly worker: gcp.serviceaccount.Account;
  /** Secret versions and grants the nodes read at boot. */
  readonly secrets: pulumi.Resource[];
}

const member = (a: gcp.serviceaccount.Account) => pulumi.interpolate`serviceAccount:${a.email}`;

export function nodeIdentity(
  c: GcpConfig,
  pki: ClusterPki,
  apis: EnabledApis,
  base: GoogleBase,
): NodeIdentity {
  const n = c.name;
  const account = (id: string, displayName: string) =>
    new gcp.serviceaccount.Account(
      id,
      { accountId: id.slice(0, 30), displayName },
      needing(base, apis, 'iam'),
    );
  const controlPlane = account(`${n}-cp`, `${n} control plane`);
  const worker = account(`${n}-worker`, `${n} workers`);
  for (const [who, a] of Object.entries({ cp: controlPlane, worker })) {
    for (const role of NODE_ROLES) {
      new gcp.projects.IAMMember(
        `${n}-${who}-${role.split('/')[1] ?? role}`,
        { project: c.project, role, member: member(a) },
        needing(base, apis, 'resourceManager', 'iam'),
      );
    }
  }

  const names = secretNames(n);
  const g = needing(base, apis, 'secretManager');
  const secret = (
    key: keyof typeof names,
    value: pulumi.Output<string>,
    readers: gcp.serviceaccount.Account[],
  ) => {
    const s = new gcp.secretmanager.Secret(
      names[key],
      { secretId: names[key], replication: { auto: {} } },
      g,
    );
    // The control plane disables the bootstrap token's older versions as it rotates the token
    // (token-rotation.ts): Pulumi leaves that flag alone instead of re-enabling a dead token.
    const version = new gcp.secretmanager.SecretVersion(
      names[key],
      { secret: s.id, secretData: pulumi.secret(value) },
      key === 'bootstrapToken' ? { ...g, ignoreChanges: ['enabled'] } : g,
    );
    const grants = readers.map(
      (reader, i) =>
        new gcp.secretmanager.SecretIamMember(
          `${names[key]}-reader-${i}`,
          { secretId: s.id, role: 'roles/secretmanager.secretAccessor', member: member(reader) },
          g,
        ),
    );
    return { secret: s, resources: [version, ...grants] };
  };
  const token = secret('bootstrapToken', pki.bootstrapToken, [controlPlane, worker]);
  const rotation = TOKEN_ROTATION_ROLES.map(
    (role) =>
      new gcp.secretmanager.SecretIamMember(
        `${names.bootstrapToken}-${role.split('.')[1] ?? role}`,
        { secretId: token.secret.id, role, member: member(controlPlane) },
        g,
      ),
  );
  const secrets = [
    ...secret('caKey', pki.caKeyPem, [controlPlane]).resources,
    ...secret('encryptionKey', pki.encryptionKey, [controlPlane]).resources,
    ...token.resources,
    ...rotation,
  ];
  return { controlPlane, worker, secrets };
}
