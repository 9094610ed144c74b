import { vaultIdentities } from '../../../scripts/e2e/vault/platform';

type Obj = Record<string, any>;
const objects: Obj[] = vaultIdentities();

describe('vaultIdentities: the service accounts the platform configuration logs in with', () => {
  it("binds Vault's own service account to system:auth-delegator (token reviews)", () => {
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    expect(binding?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'system:auth-delegator',
    });
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'vault', namespace: 'vault' },
    ]);
  });
  it("creates the init step's login account (PULUMI_LOGIN) without a mounted token", () => {
    expect(
      objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'k8s-platform-pulumi'),
    ).toMatchObject({ metadata: { namespace: 'vault' }, automountServiceAccountToken: false });
  });
});
