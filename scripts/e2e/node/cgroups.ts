// The pods' cgroups on the host: the kubelet (cgroupfs driver) makes one folder per pod under
// kubepods in every hierarchy, and containerd's shims make and remove the containers' folders
// below it. Teardown walks them while processes die, so folders vanish mid-walk: a folder that
// is gone is skipped, never an error. Synchronous, so it also runs from an exit handler.
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** The cgroup the kubelet (cgroupfs driver) puts every pod under, in each hierarchy. */
export const PODS_CGROUP = 'kubepods';

/** `read()`, or `gone` when what it reads was removed meanwhile (ENOENT); other errors throw. */
function unlessGone<T>(read: () => T, gone: T): T {
  try {
    return read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return gone;
    throw e;
  }
}

/** The hierarchies under `cgroupRoot` that hold a pods cgroup. */
export function podCgroupRoots(cgroupRoot = CGROUP_ROOT): string[] {
  if (statSync(cgroupRoot, { throwIfNoEntry: false }) === undefined) return [];
  return readdirSync(cgroupRoot)
    .map((h) => join(cgroupRoot, h, PODS_CGROUP))
    .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory() === true);
}

/**
 * Every cgroup below `dir`, deepest first, `dir` last; empty when `dir` is gone. Containers'
 * cgroups disappear while this walks (their shim removes them as the process dies), so a folder
 * that vanished between listing and reading is skipped, not an error.
 */
export function cgroupTree(dir: string): string[] {
  const entries = unlessGone(() => readdirSync(dir, { withFileTypes: true }), undefined);
  if (entries === undefined) return [];
  const below = entries
    .filter((e) => e.isDirectory())
    .flatMap((e) => cgroupTree(join(dir, e.name)));
  return [...below, dir];
}

/** The PIDs in one cgroup; none when it is gone. */
function cgroupPids(cg: string): number[] {
  return unlessGone(() => readFileSync(join(cg, 'cgroup.procs'), 'utf8'), '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** PIDs in the pods' cgroups (pause processes and containers). */
export function podProcesses(cgroupRoot = CGROUP_ROOT): number[] {
  const pids = new Set<number>();
  for (const root of podCgroupRoots(cgroupRoot)) {
    for (const cg of cgroupTree(root)) for (const pid of cgroupPids(cg)) pids.add(pid);
  }
  return [...pids];
}

/** Removes the pods' cgroups (after their processes are gone), deepest first. */
export function removePodCgroups(cgroupRoot = CGROUP_ROOT): void {
  for (const root of podCgroupRoots(cgroupRoot)) {
    for (const cg of cgroupTree(root)) {
      try {
        rmdirSync(cg);
      } catch {
        // busy or gone; leftovers() reports what stays
      }
    }
  }
}
