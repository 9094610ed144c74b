import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as host from '../../../scripts/e2e/node/host';

// What the e2e node's teardown relies on, against the real kernel: mounts found (names with
// spaces too) and removed, and a killed run's folder cleaned by the next run's janitor.
const root = process.getuid?.() === 0;

describe('e2e host state', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'host-test-'))));
  afterEach(() => {
    host.unmountAll(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  (root ? it : it.skip)('finds mounts below a folder, deepest first, and unmounts them all', () => {
    const outer = join(dir, 'with space');
    const inner = join(outer, 'inner');
    mkdirSync(outer);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', outer]).status).toBe(0);
    mkdirSync(inner);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', inner]).status).toBe(0);
    expect(host.mountsUnder(dir)).toEqual([inner, outer]);
    host.unmountAll(dir);
    expect(host.mountsUnder(dir)).toEqual([]);
  });

  it('reads the kubelet sysctls and writes back the same values', () => {
    const before = host.readSysctls();
    expect(Object.keys(before)).toEqual([...host.KUBELET_SYSCTLS]);
    if (root) host.writeSysctls(before);
    expect(host.readSysctls()).toEqual(before);
  });

  (root ? it : it.skip)(
    'the janitor removes the folder of a run whose process is gone, and leaves live ones',
    () => {
      const dead = join(dir, `${host.FOLDER_PREFIX}999999999-abc`);
      const live = join(dir, `${host.FOLDER_PREFIX}${process.pid}-abc`);
      for (const d of [dead, live]) {
        mkdirSync(d);
        writeFileSync(join(d, host.SYSCTLS_FILE), JSON.stringify(host.readSysctls()));
      }
      const cleaned = host.cleanStale(dir);
      expect(cleaned).toContain(dead);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    },
  );

  it('reports a folder that is still there as left behind', () => {
    const left = host.leftovers({
      dir,
      netns: 'k8sp-e2e-none',
      sysctls: host.readSysctls(),
      socket: join(dir, 'sock'),
    });
    // (pods' cgroups may belong to another run on the machine: only this folder's entries count)
    expect(left.filter((l) => !l.startsWith('cgroup '))).toEqual([`folder ${dir}`]);
  });
});

describe('e2e teardown steps', () => {
  it('reports a failing step by name and lets the caller go on', () => {
    const warned: string[] = [];
    const ok = host.attempt(
      'pod processes',
      () => {
        throw new Error("ENOENT: no such file or directory, scandir '/sys/fs/cgroup/x'");
      },
      (line) => warned.push(line),
    );
    expect(ok).toBe(false);
    expect(warned).toEqual([
      "e2e: teardown: pod processes: ENOENT: no such file or directory, scandir '/sys/fs/cgroup/x'",
    ]);
    expect(
      host.attempt(
        'sysctls',
        () => undefined,
        (line) => warned.push(line),
      ),
    ).toBe(true);
    expect(warned).toHaveLength(1);
  });
});
