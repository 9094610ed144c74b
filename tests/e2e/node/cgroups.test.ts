import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cgroups from '../../../scripts/e2e/node/cgroups';

// The walk teardown makes over the pods' cgroups while containers die, on a folder tree shaped
// like /sys/fs/cgroup (hierarchies, kubepods, pods, containers, each with its cgroup.procs).
describe('e2e pods cgroups', () => {
  let root: string;
  const cg = (path: string, pids?: number[]) => {
    mkdirSync(join(root, path), { recursive: true });
    if (pids) writeFileSync(join(root, path, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'cgroups-test-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds the kubepods folder in every hierarchy that has one', () => {
    cg('memory/kubepods', []);
    cg('cpu/kubepods', []);
    cg('pids/other', []);
    expect(cgroups.podCgroupRoots(root).sort()).toEqual(
      [join(root, 'cpu/kubepods'), join(root, 'memory/kubepods')].sort(),
    );
  });

  it('lists a tree deepest first, the folder itself last', () => {
    cg('memory/kubepods/burstable/podA/c1', []);
    const top = join(root, 'memory/kubepods');
    expect(cgroups.cgroupTree(top)).toEqual([
      join(top, 'burstable/podA/c1'),
      join(top, 'burstable/podA'),
      join(top, 'burstable'),
      top,
    ]);
  });

  it('treats a cgroup removed meanwhile as empty, not as an error', () => {
    expect(cgroups.cgroupTree(join(root, 'memory/kubepods/gone'))).toEqual([]);
    expect(cgroups.podCgroupRoots(join(root, 'no-such-root'))).toEqual([]);
  });

  it('collects every PID once across hierarchies and skips cgroups whose procs file is gone', () => {
    cg('memory/kubepods/podA', [10]);
    cg('memory/kubepods/podA/c1', [11, 12]);
    cg('cpu/kubepods/podA/c1', [11, 12]);
    cg('cpu/kubepods/podB/c2'); // its shim removed it while we walked: no cgroup.procs
    expect(cgroups.podProcesses(root).sort()).toEqual([10, 11, 12]);
  });

  it('removes empty cgroups deepest first', () => {
    cg('memory/kubepods/burstable/podA/c1');
    cgroups.removePodCgroups(root);
    expect(cgroups.podCgroupRoots(root)).toEqual([]);
  });
});
