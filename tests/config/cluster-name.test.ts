import { GcpCluster } from '../../infra/cluster/gcp';
import { readGcpConfig } from '../../infra/config/gcp';
import { GCE_NAME, SERVICE_ACCOUNT_ID } from '../../infra/config/gcp-facts';
import { gcpFakes } from '../support/gcp-fakes';
import { recordResources, Registered, settled, valueOf } from '../support/pulumi-mocks';

// The bounds on clusterName hold for the names the cluster layer actually derives from it: the
// gcp cluster is built under mocks at the shortest name and at the longest (with the most
// workers, whose names are the longest), and every name it hands GCP is checked against GCP's rules.

const { fake, cleanup } = gcpFakes();
afterAll(cleanup);
const registered: Registered[] = recordResources('k8s-platform', 'names', fake);

/** Secret Manager secret IDs: letters, digits, "_" and "-", at most 255. */
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
/** IAM custom role IDs: letters, digits, "_" and ".", 3 to 64. */
const ROLE_ID = /^[A-Za-z0-9_.]{3,64}$/;

async function namesFor(
  clusterName: string,
  workerCount: string,
): Promise<Record<string, string[]>> {
  registered.length = 0;
  const config = readGcpConfig(
    (key) =>
      ({
        gcpProject: 'acme-platform-1',
        adminCidrs: '203.0.113.7/32',
        clusterName,
        workerCount,
      })[key],
  );
  const cluster = new GcpCluster(`names-${clusterName.length}`, config);
  await valueOf(cluster.kubeconfig);
  await settled();
  const of = (pick: (r: Registered) => unknown): string[] =>
    registered.flatMap((r) => {
      const v = pick(r);
      return typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : [];
    });
  return {
    compute: of((r) => (r.type.startsWith('gcp:compute/') ? r.inputs.name : undefined)),
    tags: of((r) => (r.type === 'gcp:compute/instance:Instance' ? r.inputs.tags : undefined)),
    accounts: of((r) =>
      r.type === 'gcp:serviceaccount/account:Account' ? r.inputs.accountId : undefined,
    ),
    secrets: of((r) =>
      r.type === 'gcp:secretmanager/secret:Secret' ? r.inputs.secretId : undefined,
    ),
    roles: of((r) =>
      r.type === 'gcp:projects/iAMCustomRole:IAMCustomRole' ? r.inputs.roleId : undefined,
    ),
  };
}

describe.each([
  ['k8s', '3'],
  ['a'.repeat(22) + 'z', '20'],
])('the names derived from clusterName %s with %s workers', (name, workers) => {
  let names: Record<string, string[]>;
  beforeAll(async () => {
    names = await namesFor(name, workers);
  });

  it('are Compute Engine names of at most 63 characters, network tags included', () => {
    // The longest of them, the firewall rule for the load balancer's health checks.
    expect(names.compute).toContain(`${name}-lb-health-checks`);
    expect(names.compute?.filter((n) => !GCE_NAME.test(n))).toEqual([]);
    expect(names.tags?.filter((n) => !GCE_NAME.test(n))).toEqual([]);
  });

  it('include service account IDs GCP takes (6 to 30 characters), one per role', () => {
    expect(names.accounts).toEqual([`${name}-cp`, `${name}-worker`]);
    expect(names.accounts?.filter((n) => !SERVICE_ACCOUNT_ID.test(n))).toEqual([]);
  });

  it('include secret and custom role IDs GCP takes', () => {
    expect(names.secrets).toHaveLength(3);
    expect(names.secrets?.filter((n) => !SECRET_ID.test(n))).toEqual([]);
    expect(names.roles?.filter((n) => !ROLE_ID.test(n))).toEqual([]);
  });
});
