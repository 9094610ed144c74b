// Runs a program inside an unpacked image root, the way a container would see it but without a
// runtime: new mount and PID namespaces, /proc and /dev mounted, chroot, an optional uid:gid.
// Needs root. Used to train the CDS archive at build time (a Dockerfile RUN does the same) and
// to prove the runtime needs nothing from the host.
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** How to run in the root. */
export interface ChrootOptions {
  /** `uid:gid`; root when absent (as a Dockerfile RUN before USER). */
  readonly user?: string;
  /** Working directory inside the root. @default '/' */
  readonly cwd?: string;
  /** The whole environment of the program; its PATH must also find unshare, mount and chroot
   *  on the host. @default { PATH: HOST_PATH } */
  readonly env?: Readonly<Record<string, string>>;
  /** Pin to these CPUs with taskset, e.g. '0'. @default all */
  readonly cpus?: string;
}

/** Where the host's unshare, mount and chroot are (and busybox applets in an image). */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// $1 root, $2 userspec ('' for none), $3 cwd, then the command. Mounts happen in the new mount
// namespace only; unshare makes propagation private, so the host sees none of them.
const SCRIPT = [
  'root=$1; spec=$2; cwd=$3; shift 3',
  'mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" || exit 111',
  'exec chroot ${spec:+--userspec=$spec} "$root" /bin/sh -c \'cd "$0" && exec "$@"\' "$cwd" "$@"',
].join('\n');

/** The argv that runs `command` in `root`. */
export function chrootArgv(
  root: string,
  command: readonly string[],
  options: ChrootOptions = {},
): string[] {
  const unshare = ['unshare', '--mount', '--pid', '--fork', '--', '/bin/sh', '-c', SCRIPT, 'sh'];
  const argv = [...unshare, root, options.user ?? '', options.cwd ?? '/', ...command];
  return options.cpus === undefined ? argv : ['taskset', '-c', options.cpus, ...argv];
}

/** Runs `command` in `root` to completion and returns its output. */
export function runInRoot(
  root: string,
  command: readonly string[],
  options: ChrootOptions = {},
): SpawnSyncReturns<string> {
  const [bin = '', ...args] = chrootArgv(root, command, options);
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    env: { ...(options.env ?? { PATH: HOST_PATH }) },
    maxBuffer: 1 << 26,
  });
  if (r.error) throw new Error(`${bin}: ${r.error.message}`);
  return r;
}

/** Starts `command` in `root` in the background; the caller ends it. */
export function startInRoot(
  root: string,
  command: readonly string[],
  options: ChrootOptions = {},
): ChildProcess {
  const [bin = '', ...args] = chrootArgv(root, command, options);
  return spawn(bin, args, {
    env: { ...(options.env ?? { PATH: HOST_PATH }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
