// A real single-node Kubernetes cluster on this machine for `npm run e2e`: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd, the kubelet and kube-proxy (iptables mode),
// all inside a network namespace of their own whose bridge carries the pods. kubeadm writes the
// certificates and kubeconfigs. stop() undoes everything (./host.ts) and is synchronous, so the
// exit and signal handlers run it too.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from '../../verify/processes';
import { podCgroupRoots, podProcesses, removePodCgroups } from './cgroups';
import * as cmd from './commands';
import { writeDiagnostics } from './diagnose';
import * as cfg from './config';
import * as host from './host';

export type KubectlResult = host.ExecResult;

export class E2eNode extends ProcessGroup {
  readonly netns = `k8sp-e2e-${process.pid}`;
  readonly paths = cfg.layout(this.dir);
  private readonly sysctls = host.readSysctls();
  private kubelet: ReturnType<ProcessGroup['launch']> | undefined;
  private stopped = false;
  private readonly cleanups: (() => void)[] = [];

  private constructor(private readonly tools: string) {
    super(`${host.FOLDER_PREFIX}${process.pid}-`);
    writeFileSync(join(this.dir, host.SYSCTLS_FILE), JSON.stringify(this.sysctls));
  }

  get folder(): string {
    return this.dir;
  }

  /** Starts the node and waits until it is Ready; stops everything again when that fails. */
  static async start(tools: string, log: (line: string) => void): Promise<E2eNode> {
    for (const gone of host.cleanStale(tmpdir()))
      log(`node: removed what a killed run left: ${gone}`);
    const taken = podCgroupRoots();
    if (taken.length > 0)
      throw new Error(
        `e2e: ${taken.join(', ')} exists: another kubelet runs on this machine, or a run was killed with SIGKILL (stop that kubelet, or remove the folders with rmdir once their cgroup.procs are empty)`,
      );
    const node = new E2eNode(tools);
    try {
      await node.boot(log);
    } catch (error) {
      node.stop();
      throw error;
    }
    return node;
  }

  private bin(name: string): string {
    return join(this.tools, name);
  }

  /** Launches a component inside the node's network namespace. */
  private inNode(binary: string, args: readonly string[], log: string) {
    return this.launch(
      'nsenter',
      [`--net=${host.netnsPath(this.netns)}`, '--', binary, ...args],
      log,
      {
        ...process.env,
        PATH: host.SBIN_PATH,
      },
    );
  }

  private async boot(log: (line: string) => void): Promise<void> {
    const p = this.paths;
    const started = Date.now();
    const step = (what: string) =>
      log(`node: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    host.createNodeNetwork(this.netns);
    cfg.writeConfiguration(p, this.bin('kubeadm'), host.run);
    step('namespace, bridge, certificates and configuration written');

    this.inNode('etcd', cmd.etcdArgs(p), 'etcd.log');
    this.inNode(this.bin('kube-apiserver'), cmd.apiServerArgs(p), 'kube-apiserver.log');
    await this.waitFor(
      'kube-apiserver ready',
      120_000,
      () => this.kubectl(['get', '--raw', '/readyz']).stdout === 'ok',
    );
    step('kube-apiserver ready');
    // What `kubeadm init` binds: its admin.conf and the API server's kubelet client certificate
    // (kubectl exec, logs) carry the group kubeadm:cluster-admins.
    this.must([
      'create',
      'clusterrolebinding',
      'kubeadm:cluster-admins',
      '--clusterrole=cluster-admin',
      '--group=kubeadm:cluster-admins',
    ]);

    this.inNode(
      this.bin('kube-controller-manager'),
      cmd.controllerManagerArgs(p),
      'kube-controller-manager.log',
    );
    this.inNode(this.bin('kube-scheduler'), cmd.schedulerArgs(p), 'kube-scheduler.log');
    this.inNode('containerd', [`--config=${p.containerdConfig}`], 'containerd.log');
    await this.waitFor('containerd', 30_000, () => this.ctr(['version']).status === 0);
    step('controllers and containerd running');
  }

  /** Starts the kubelet and kube-proxy (after the images are imported), then waits for Ready. */
  async join(log: (line: string) => void): Promise<void> {
    const p = this.paths;
    this.kubelet = this.inNode(this.bin('kubelet'), cmd.kubeletArgs(p), 'kubelet.log');
    this.writeKubeProxyKubeconfig();
    this.inNode(this.bin('kube-proxy'), [`--config=${p.kubeProxyConfig}`], 'kube-proxy.log');
    const started = Date.now();
    await this.waitFor(
      `node ${cfg.NODE_NAME} Ready`,
      120_000,
      () =>
        this.kubectl([
          'get',
          'node',
          cfg.NODE_NAME,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]).stdout === 'True',
    );
    await this.waitFor(
      'the default service account',
      60_000,
      () => this.kubectl(['get', 'serviceaccount', 'default']).status === 0,
    );
    log(
      `node: ${cfg.NODE_NAME} Ready ${((Date.now() - started) / 1000).toFixed(1)} s after the kubelet started`,
    );
  }

  /** kube-proxy's identity: a service account bound to system:node-proxier, with a day's token. */
  private writeKubeProxyKubeconfig(): void {
    const must = (args: string[]) => this.must(args);
    must(['-n', 'kube-system', 'create', 'serviceaccount', 'kube-proxy']);
    must([
      'create',
      'clusterrolebinding',
      'e2e:node-proxier',
      '--clusterrole=system:node-proxier',
      '--serviceaccount=kube-system:kube-proxy',
    ]);
    const token = must(['-n', 'kube-system', 'create', 'token', 'kube-proxy', '--duration=24h']);
    const ca = readFileSync(join(this.paths.pki, 'ca.crt')).toString('base64');
    writeFileSync(this.paths.kubeProxyKubeconfig, cfg.tokenKubeconfig(ca, 'kube-proxy', token), {
      mode: 0o600,
    });
  }

  /**
   * Imports Docker-format image archives into the CRI's namespace under the names they carry, one
   * after another without blocking (the kubelet can start meanwhile); resolves when all are in,
   * rejects on the first that fails. Teardown kills an import still running, as it does
   * everything that names the node's containerd socket.
   */
  async importImages(tarballs: readonly string[]): Promise<void> {
    for (const tarball of tarballs) {
      const child = spawn('ctr', this.ctrArgs(['images', 'import', tarball]), {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`ctr images import ${tarball}: exit ${code}: ${stderr}`);
    }
  }

  private ctrArgs(args: readonly string[]): string[] {
    return ['--address', this.paths.containerdSocket, '--namespace', 'k8s.io', ...args];
  }

  ctr(args: readonly string[]): KubectlResult {
    return this.exec('ctr', this.ctrArgs(args));
  }

  /** kubectl as the cluster's super-admin, from inside the node's network namespace. */
  kubectl(args: readonly string[], input?: string): KubectlResult {
    return this.exec('kubectl', [`--kubeconfig=${this.paths.admin}`, ...args], input);
  }

  /** kubectl that must succeed (its stdout), with the server's message otherwise. */
  must(args: readonly string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** Objects as JSON through `kubectl apply`. */
  apply(objects: readonly unknown[]): string {
    return this.must(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
  }

  /** Any command inside the node's network namespace (where the Services' addresses work). */
  exec(
    command: string,
    args: readonly string[],
    input?: string,
    timeoutMs?: number,
  ): KubectlResult {
    return host.execIn(this.netns, command, args, input, timeoutMs);
  }

  async waitFor(what: string, ms: number, ready: () => boolean): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      this.assertRunning();
      if (Date.now() > deadline)
        throw new Error(`e2e: ${what} not reached within ${ms / 1000} s; logs in ${this.dir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Writes the pods, events and every container's log into the node's folder (kept on failure). */
  diagnose(): void {
    writeDiagnostics(this.dir, (args) => this.kubectl(args).stdout);
  }

  /** Runs `cleanup` first in teardown (servers started beside the node, such as PostgreSQL). */
  whenStopping(cleanup: () => void): void {
    this.cleanups.unshift(cleanup);
  }

  /** A component's log, for diagnostics. */
  logFile(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Tears everything down: kubelet first (nothing restarts), then every pod process, containerd
   * and its shims, the other components; then mounts, the network namespace (with its bridge and
   * iptables chains), the pods' cgroups, the kubelet's sysctls and the folder. Returns what is
   * still left (empty when clean). Safe to call more than once.
   */
  teardown(keepLogsIn?: string): string[] {
    if (!this.stopped) {
      this.stopped = true;
      // Every step runs even when one before it throws; leftovers() below judges the result.
      const step = (what: string, fn: () => void) => void host.attempt(what, fn);
      for (const cleanup of this.cleanups) step('a cleanup', cleanup);
      step('kubelet', () => {
        if (this.kubelet?.pid && this.kubelet.exitCode === null) this.kubelet.kill('SIGKILL');
      });
      step('pod processes', () => host.killUntilGone(() => podProcesses()));
      step('shims', () =>
        host.killUntilGone(() => host.processesMentioning(this.paths.containerdSocket)),
      );
      step('components', () => super.stop(false));
      step('stragglers', () => host.killUntilGone(() => host.processesMentioning(this.dir)));
      step('mounts', () => host.unmountAll(this.dir));
      step('network namespace', () => {
        if (host.netnsExists(this.netns)) host.run('ip', ['netns', 'delete', this.netns], true);
      });
      step('cgroups', () => removePodCgroups());
      step('sysctls', () => host.writeSysctls(this.sysctls));
      if (keepLogsIn)
        step('logs', () => {
          rmSync(keepLogsIn, { recursive: true, force: true });
          host.run(
            'sh',
            ['-c', `mkdir -p '${keepLogsIn}' && cp ${this.dir}/*.log '${keepLogsIn}'/`],
            true,
          );
        });
      step('folder', () => {
        if (host.mountsUnder(this.dir).length === 0) super.removeFolder();
      });
    }
    return host.leftovers({
      dir: this.dir,
      netns: this.netns,
      sysctls: this.sysctls,
      socket: this.paths.containerdSocket,
    });
  }

  override stop(): void {
    this.teardown();
  }
}
