import { ConfigError } from '../../infra/config/errors';
import { MACHINE_MEMORY_EXCEPTIONS, MACHINE_SHAPES } from '../../infra/config/gcp-facts';
import { machineShape } from '../../infra/config/gcp-rules';

// Machine shapes from the family rules: what the footprint divides by.
describe('machine shapes', () => {
  it('derive vCPUs and memory from the family rules', () => {
    const shapes = [
      'e2-standard-2',
      'e2-standard-4',
      'e2-highmem-2',
      'e2-highcpu-8',
      'n1-standard-1',
      'n1-highcpu-2',
      'n2-highmem-8',
      'n2d-highcpu-16',
      'n4-highcpu-4',
      'c2-standard-4',
      'c3-standard-22',
      'c3d-highcpu-4',
      't2d-standard-1',
    ].map((t) => [t, machineShape(t).cpuMillis, machineShape(t).memoryMiB]);
    expect(shapes).toEqual([
      ['e2-standard-2', 2000, 8192],
      ['e2-standard-4', 4000, 16384],
      ['e2-highmem-2', 2000, 16384],
      ['e2-highcpu-8', 8000, 8192],
      ['n1-standard-1', 1000, 3840],
      ['n1-highcpu-2', 2000, 1843],
      ['n2-highmem-8', 8000, 65536],
      ['n2d-highcpu-16', 16000, 16384],
      ['n4-highcpu-4', 4000, 8192],
      ['c2-standard-4', 4000, 16384],
      ['c3-standard-22', 22000, 90112],
      ['c3d-highcpu-4', 4000, 8192],
      ['t2d-standard-1', 1000, 4096],
    ]);
  });

  it('take the shapes that break their family rule from the exceptions', () => {
    expect(machineShape('n2-highmem-128').memoryMiB).toBe(864 * 1024);
    expect(machineShape('n2-highmem-96').memoryMiB).toBe(768 * 1024);
    expect(machineShape('c3d-highcpu-360').memoryMiB).toBe(708 * 1024);
    for (const type of Object.keys(MACHINE_MEMORY_EXCEPTIONS))
      expect([type, machineShape(type).cpuMillis > 0]).toEqual([type, true]);
  });

  it('know a memory size for every shape the table offers', () => {
    for (const [family, kinds] of Object.entries(MACHINE_SHAPES))
      for (const [kind, counts] of Object.entries(kinds))
        for (const n of counts ?? []) {
          const type = `${family}-${kind}-${n}`;
          const { memoryMiB } = machineShape(type);
          expect([type, Number.isInteger(memoryMiB) && memoryMiB >= 1024]).toEqual([type, true]);
        }
  });

  it('refuse an unknown machine type, naming the key, the value and what is allowed', () => {
    expect(() => machineShape('e2-small')).toThrow(ConfigError);
    expect(() => machineShape('e2-small')).toThrow(
      'k8s-platform.workerMachineType = "e2-small" is invalid: must be a predefined machine type "<family>-<standard|highmem|highcpu>-<vCPUs>", such as "e2-standard-2"',
    );
    expect(() => machineShape('e2-standard-3', 'controlPlaneMachineType')).toThrow(
      'k8s-platform.controlPlaneMachineType = "e2-standard-3" is invalid: must be a predefined machine type: e2-standard comes with 2, 4, 8, 16 or 32 vCPUs',
    );
  });
});
