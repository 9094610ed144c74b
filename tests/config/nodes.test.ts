import { KUBELET_RESERVED, NODE_RESERVED, nodeAllocatable } from '../../infra/config/nodes';

describe('what the kubelet keeps back', () => {
  it('is derived from the kubelet reservations: system, kube and the memory eviction threshold', () => {
    expect(KUBELET_RESERVED.systemReserved).toEqual({ cpu: '100m', memory: '512Mi' });
    expect(NODE_RESERVED).toEqual({ cpuMillis: 200, memoryMiB: 512 + 512 + 100 });
  });

  it('leaves a node its capacity minus the reservations as allocatable', () => {
    expect(nodeAllocatable({ cpuMillis: 2000, memoryMiB: 8192 })).toEqual({
      cpuMillis: 1800,
      memoryMiB: 7068,
    });
  });
});
