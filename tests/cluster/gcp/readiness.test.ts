import * as pulumi from '@pulumi/pulumi';
import { GcpCluster } from '../../../infra/cluster/gcp';
import { calicoValues } from '../../../infra/cluster/gcp/readiness';
import { readGcpConfig } from '../../../infra/config/gcp';
import { gcpFakes } from '../../support/gcp-fakes';
import { idle, trackedMocks, valueOf } from '../../support/pulumi-mocks';

// pulumi-kubernetes judges once per run whether its cluster is reachable, so the provider must
// not be configured before the API server answers. Here the API readiness wait is held open by
// the mocks: nothing may reach the cluster until it is released.

const { fake, cleanup } = gcpFakes();
afterAll(cleanup);

const order: string[] = [];
let release: () => void = () => undefined;
const waitDone = new Promise<void>((r) => (release = r));

void pulumi.runtime.setMocks(
  trackedMocks({
    newResource: async (args) => {
      order.push(`register ${args.name}`);
      if (args.name === 'k8s-platform-wait-api') {
        await waitDone;
        order.push('API ready');
        return { id: 'wait-api', state: { ...args.inputs, stdout: 'ready' } };
      }
      return { id: `${args.name}-id`, state: fake(args) ?? args.inputs };
    },
    call: (args) => args.inputs,
  }),
  'k8s-platform',
  'prod',
  false,
);

const CONFIG = readGcpConfig(
  (key) => ({ gcpProject: 'acme-platform-1', adminCidrs: '203.0.113.7/32' })[key],
);

describe('the gcp cluster before and after its API server answers', () => {
  it('configures the Kubernetes provider only once the API readiness wait is done', async () => {
    const built = new GcpCluster('cluster', CONFIG);
    // Everything that does not depend on the wait registers; the wait alone stays unanswered.
    expect(await idle()).toEqual(['k8s-platform-wait-api']);
    const before = order.filter((l) => /k8s-platform-k8s|calico|kubeconfig/.test(l));
    expect(before).toEqual([]);
    release();
    const kubeconfig = await valueOf(built.kubeconfig);
    expect(await idle()).toEqual([]);
    expect(kubeconfig).toContain('server: https://');
    const after = order.slice(order.indexOf('API ready'));
    expect(after).toContain('register k8s-platform-k8s');
    expect(after).toContain('register calico');
    expect(order.indexOf('register k8s-platform-k8s')).toBeGreaterThan(order.indexOf('API ready'));
  });

  it('writes the Calico pool once: the chart’s pool with the stack’s CIDR', () => {
    const values = calicoValues('10.244.0.0/16');
    const pools = values['tigera-operator'].installation.calicoNetwork.ipPools;
    expect(pools).toEqual([
      expect.objectContaining({ cidr: '10.244.0.0/16', encapsulation: 'VXLAN' }),
    ]);
    expect(values['tigera-operator'].installation.calicoNetwork).toMatchObject({ bgp: 'Disabled' });
  });
});
