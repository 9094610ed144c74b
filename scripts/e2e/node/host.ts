// What the e2e node changes on the host, and how each change is undone: the sysctls the kubelet
// sets (host-wide), the network namespace that holds the node (its bridge, routes and iptables
// chains go with it), mounts under the node's folder, the pods' cgroups (./cgroups.ts), and
// processes that outlive their parent (containerd's shims). Everything here is synchronous, so it
// also runs from an exit handler. leftovers() is what a clean machine must report as empty.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { podCgroupRoots, podProcesses, removePodCgroups } from './cgroups';
import { BRIDGE, NODE_IP, SERVICE_SUBNET } from './config';

/** PATH with the sbin folders, where Debian puts ip, iptables and runc. */
export const SBIN_PATH = [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter);

/** Host-wide sysctls the kubelet sets when it starts (kernel and vm are not per namespace). */
export const KUBELET_SYSCTLS = [
  'kernel.panic',
  'kernel.panic_on_oops',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
] as const;

const sysctlPath = (key: string) => join('/proc/sys', ...key.split('.'));

export function readSysctls(keys: readonly string[] = KUBELET_SYSCTLS): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, readFileSync(sysctlPath(k), 'utf8').trim()]));
}

export function writeSysctls(values: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(values)) writeFileSync(sysctlPath(k), `${v}\n`);
}

/**
 * Runs one teardown step; an error is reported through `warn` and swallowed, so the steps after it
 * still run. Returns whether the step finished.
 */
export function attempt(
  what: string,
  fn: () => void,
  warn: (line: string) => void = console.error,
): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    warn(`e2e: teardown: ${what}: ${(e as Error).message}`);
    return false;
  }
}

/** Runs a command; throws with its output unless it succeeds (or `allowFailure`). */
export function run(command: string, args: readonly string[], allowFailure = false): string {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, PATH: SBIN_PATH },
  });
  if (r.status !== 0 && !allowFailure)
    throw new Error(
      `${command} ${args.join(' ')}: ${r.error?.message ?? ''}${r.stderr}${r.stdout}`,
    );
  return r.stdout ?? '';
}

/** Waits synchronously (teardown runs in exit handlers, where promises never settle). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const netnsPath = (name: string) => join('/run/netns', name);

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command inside network namespace `netns`, its output trimmed; never throws. */
export function execIn(
  netns: string,
  command: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 120_000,
): ExecResult {
  const r = spawnSync('nsenter', [`--net=${netnsPath(netns)}`, '--', command, ...args], {
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PATH: SBIN_PATH },
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: r.status ?? -1,
    stdout: (r.stdout ?? '').trim(),
    stderr: `${r.error?.message ?? ''}${r.stderr ?? ''}`.trim(),
  };
}

/**
 * The node's network namespace: loopback, and the bridge whose address is the node's (pods are
 * attached to it by the CNI plugin). The node's own connections to Service addresses (kubectl,
 * the load) leave by the bridge; forwarding and bridged traffic through iptables are on (both
 * are per namespace).
 */
export function createNodeNetwork(netns: string): void {
  run('ip', ['netns', 'add', netns]);
  const ipn = (...args: string[]) => run('ip', ['-n', netns, ...args]);
  ipn('link', 'set', 'lo', 'up');
  ipn('link', 'add', BRIDGE, 'type', 'bridge');
  ipn('addr', 'add', `${NODE_IP}/24`, 'dev', BRIDGE);
  ipn('link', 'set', BRIDGE, 'up');
  ipn('route', 'add', SERVICE_SUBNET, 'dev', BRIDGE, 'src', NODE_IP);
  const sysctls = ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1'];
  run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', ...sysctls]);
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir`, lazily when busy. */
export function unmountAll(dir: string): void {
  for (let round = 0; round < 3; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) run('umount', round === 0 ? [p] : ['-l', p], true);
  }
}

/** PIDs whose command line mentions `needle` (containerd's shims name its socket). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(join('/proc', entry, 'cmdline'), 'utf8').includes(needle))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** SIGKILLs `pids()` until none is left (at most `ms`). */
export function killUntilGone(pids: () => number[], ms = 10_000): void {
  const deadline = Date.now() + ms;
  for (let left = pids(); left.length > 0 && Date.now() < deadline; left = pids()) {
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    sleepSync(100);
  }
}

/** What the node left behind; empty on a clean machine. */
export function leftovers(state: {
  dir: string;
  netns: string;
  sysctls: Readonly<Record<string, string>>;
  socket: string;
}): string[] {
  const found: string[] = [];
  if (netnsExists(state.netns)) found.push(`network namespace ${state.netns}`);
  for (const m of mountsUnder(state.dir)) found.push(`mount ${m}`);
  for (const cg of podCgroupRoots()) found.push(`cgroup ${cg}`);
  for (const pid of processesMentioning(state.socket)) found.push(`process ${pid}`);
  for (const pid of processesMentioning(state.dir)) found.push(`process ${pid}`);
  const now = readSysctls(Object.keys(state.sysctls));
  for (const [k, v] of Object.entries(state.sysctls))
    if (now[k] !== v) found.push(`sysctl ${k} = ${now[k]} (was ${v})`);
  if (existsSync(state.dir)) found.push(`folder ${state.dir}`);
  return [...new Set(found)];
}

/** The folder prefix of every node; the owner's PID follows it, so a dead owner's folder is known. */
export const FOLDER_PREFIX = 'k8sp-e2e-';
export const SYSCTLS_FILE = 'sysctls.json';

const alive = (pid: number) => existsSync(join('/proc', String(pid)));

/**
 * Cleans up after runs whose process was killed outright (SIGKILL, a lost machine session): their
 * network namespace, processes, mounts, pods' cgroups, the sysctls recorded in their folder, and
 * the folder. Runs of live processes are left alone. Returns what it removed, for the log.
 */
export function cleanStale(tmp: string): string[] {
  const cleaned: string[] = [];
  const netnsOwners = existsSync('/run/netns')
    ? readdirSync('/run/netns').filter((n) => n.startsWith(FOLDER_PREFIX))
    : [];
  const folders = readdirSync(tmp).filter((f) => f.startsWith(FOLDER_PREFIX));
  const owner = (name: string) => Number(name.slice(FOLDER_PREFIX.length).split('-')[0]);
  const staleFolders = folders.filter((f) => !alive(owner(f))).map((f) => join(tmp, f));
  const staleNetns = netnsOwners.filter((n) => !alive(owner(n)));
  const anyAlive = [...folders, ...netnsOwners].some((n) => alive(owner(n)));
  for (const dir of staleFolders) killUntilGone(() => processesMentioning(dir));
  if (!anyAlive) killUntilGone(() => podProcesses());
  for (const dir of staleFolders) {
    unmountAll(dir);
    const sysctls = join(dir, SYSCTLS_FILE);
    if (existsSync(sysctls))
      writeSysctls(JSON.parse(readFileSync(sysctls, 'utf8')) as Record<string, string>);
    if (mountsUnder(dir).length === 0) {
      run('rm', ['-rf', dir], true);
      cleaned.push(dir);
    }
  }
  for (const ns of staleNetns) {
    run('ip', ['netns', 'delete', ns], true);
    cleaned.push(`network namespace ${ns}`);
  }
  if (!anyAlive && podCgroupRoots().length > 0) {
    removePodCgroups();
    cleaned.push('the pods cgroups');
  }
  return cleaned;
}
