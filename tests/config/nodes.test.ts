import {
  KUBELET_RESERVED,
  NODE_RESERVED,
  nodeAllocatable,
  nodeReserved,
} from '../../infra/config/nodes';

describe('what a node keeps back', () => {
  it('lists every hard eviction signal the kubelet defaults, not memory alone', () => {
    // A partial evictionHard replaces the kubelet's defaults: the disk signals would be off.
    expect(KUBELET_RESERVED.evictionHard).toEqual({
      'memory.available': '100Mi',
      'nodefs.available': '10%',
      'nodefs.inodesFree': '5%',
      'imagefs.available': '15%',
      'imagefs.inodesFree': '5%',
    });
  });

  it('derives the total from the reservations and the memory threshold', () => {
    expect(NODE_RESERVED).toEqual({ cpuMillis: 200, memoryMiB: 512 + 512 + 100 });
    expect(
      nodeReserved({
        systemReserved: { cpu: '0.25', memory: '1Gi' },
        kubeReserved: { cpu: '150m', memory: '256Mi' },
        evictionHard: { 'memory.available': '200Mi' },
      }),
    ).toEqual({ cpuMillis: 400, memoryMiB: 1024 + 256 + 200 });
  });

  it('refuses a quantity it cannot parse, naming the key, the value and the forms', () => {
    expect(() =>
      nodeReserved({
        systemReserved: { cpu: '100m', memory: '512Mi' },
        kubeReserved: { cpu: 'lots', memory: '512Mi' },
        evictionHard: { 'memory.available': '100Mi' },
      }),
    ).toThrow(
      'KUBELET_RESERVED.kubeReserved.cpu: "lots" is not a CPU quantity such as "250m", "1" or "1.5"',
    );
    expect(() =>
      nodeReserved({
        systemReserved: { cpu: '100m', memory: '512Mi' },
        kubeReserved: { cpu: '100m', memory: '512Mi' },
        evictionHard: { 'memory.available': '5%' },
      }),
    ).toThrow(
      `KUBELET_RESERVED.evictionHard['memory.available']: "5%" is not a memory quantity such as "512Mi", "1Gi" or "1G"`,
    );
  });

  it('leaves a node its capacity minus the reservations as allocatable', () => {
    expect(nodeAllocatable({ cpuMillis: 2000, memoryMiB: 8192 })).toEqual({
      cpuMillis: 1800,
      memoryMiB: 7068,
    });
  });
});
