import {
  controlPlaneVmName,
  nodeNameRegex,
  workerVmName,
} from '../../../infra/cluster/gcp/node-names';

// The node names the kubelet CSR approver accepts in a serving certificate: exactly the names
// the cluster gives its VMs (and kubeadm its nodes), nothing near them.
describe('the node name regex', () => {
  const pattern = new RegExp(nodeNameRegex('k8s-platform'));

  it('matches the control plane and any worker the stack can create', () => {
    const names = [
      controlPlaneVmName('k8s-platform'),
      ...[0, 1, 9, 10, 19].map((i) => workerVmName('k8s-platform', i)),
    ];
    expect(names.filter((n) => !pattern.test(n))).toEqual([]);
    expect(names[0]).toBe('k8s-platform-cp-0');
  });

  it('refuses other names: other clusters, other roles, suffixes, FQDNs, leading zeros', () => {
    const refused = [
      'k8s-platform',
      'k8s-platform-cp-1',
      'k8s-platform-worker-',
      'k8s-platform-worker-01',
      'k8s-platform-worker-1x',
      'k8s-platform-worker-1.europe-west1-b.c.acme.internal',
      'evil.k8s-platform-worker-1',
      'other-worker-1',
      'k8s-platform2-worker-1',
      'localhost',
    ];
    expect(refused.filter((n) => pattern.test(n))).toEqual([]);
  });

  it('is anchored and takes the cluster name literally', () => {
    expect(nodeNameRegex('k8s-platform')).toBe('^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$');
    // Cluster names are letters, digits and "-" (infra/config/gcp.ts); a dot would still be
    // matched as a dot, not as any character.
    const dotted = new RegExp(nodeNameRegex('a.b'));
    expect([dotted.test('a.b-cp-0'), dotted.test('axb-cp-0')]).toEqual([true, false]);
  });
});
