// A real single-node Kubernetes cluster on this machine for `npm run e2e`: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd, the kubelet and kube-proxy (iptables mode),
// all inside a network namespace of their own whose bridge carries the pods. kubeadm writes the
// certificates and kubeconfigs. stop() undoes everything (./host.ts) and is synchronous, so the
// exit and signal handlers run it too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from '../../verify/processes';
import * as cfg from './config';
import * as host from './host';

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

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
    const taken = host.podCgroupRoots();
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
    for (const d of [
      p.kubeconfigs,
      p.cniConf,
      p.cniIpam,
      p.kubeletRoot,
      join(this.dir, 'containerd'),
    ])
      mkdirSync(d, { recursive: true });

    host.run('ip', ['netns', 'add', this.netns]);
    const ipn = (...args: string[]) => host.run('ip', ['-n', this.netns, ...args]);
    ipn('link', 'set', 'lo', 'up');
    ipn('link', 'add', cfg.BRIDGE, 'type', 'bridge');
    ipn('addr', 'add', `${cfg.NODE_IP}/24`, 'dev', cfg.BRIDGE);
    ipn('link', 'set', cfg.BRIDGE, 'up');
    // The node's own connections to Service addresses (kubectl, the load) leave by the bridge.
    ipn('route', 'add', cfg.SERVICE_SUBNET, 'dev', cfg.BRIDGE, 'src', cfg.NODE_IP);
    host.run('ip', [
      'netns',
      'exec',
      this.netns,
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.bridge.bridge-nf-call-iptables=1',
    ]);

    writeFileSync(p.kubeadmConfig, cfg.kubeadmConfig(p));
    host.run(this.bin('kubeadm'), ['init', 'phase', 'certs', 'all', `--config=${p.kubeadmConfig}`]);
    host.run(this.bin('kubeadm'), [
      'init',
      'phase',
      'kubeconfig',
      'all',
      `--config=${p.kubeadmConfig}`,
      `--kubeconfig-dir=${p.kubeconfigs}`,
    ]);
    writeFileSync(p.containerdConfig, cfg.containerdConfig(p));
    writeFileSync(join(p.cniConf, '10-bridge.conflist'), cfg.cniConfig(p));
    writeFileSync(p.kubeletConfig, cfg.kubeletConfig(p));
    writeFileSync(p.kubeProxyConfig, cfg.kubeProxyConfig(p));
    writeFileSync(p.resolvConf, 'nameserver 127.0.0.1\noptions ndots:1\n');
    step('namespace, bridge, certificates and configuration written');

    const pki = (f: string) => join(p.pki, f);
    const kc = (f: string) => join(p.kubeconfigs, f);
    this.inNode(
      'etcd',
      [
        '--name=e2e',
        `--data-dir=${p.etcd}`,
        '--listen-client-urls=http://127.0.0.1:2379',
        '--advertise-client-urls=http://127.0.0.1:2379',
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--unsafe-no-fsync',
      ],
      'etcd.log',
    );
    this.inNode(
      this.bin('kube-apiserver'),
      [
        `--advertise-address=${cfg.NODE_IP}`,
        `--bind-address=${cfg.NODE_IP}`,
        `--secure-port=${cfg.API_PORT}`,
        '--etcd-servers=http://127.0.0.1:2379',
        `--client-ca-file=${pki('ca.crt')}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
        '--kubelet-preferred-address-types=InternalIP',
        `--proxy-client-cert-file=${pki('front-proxy-client.crt')}`,
        `--proxy-client-key-file=${pki('front-proxy-client.key')}`,
        `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-username-headers=X-Remote-User',
        '--enable-aggregator-routing=true',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki('sa.pub')}`,
        `--service-account-signing-key-file=${pki('sa.key')}`,
        `--service-cluster-ip-range=${cfg.SERVICE_SUBNET}`,
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction',
        '--allow-privileged=false',
      ],
      'kube-apiserver.log',
    );
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
      [
        `--kubeconfig=${kc('controller-manager.conf')}`,
        `--authentication-kubeconfig=${kc('controller-manager.conf')}`,
        `--authorization-kubeconfig=${kc('controller-manager.conf')}`,
        '--bind-address=127.0.0.1',
        `--client-ca-file=${pki('ca.crt')}`,
        `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
        `--root-ca-file=${pki('ca.crt')}`,
        `--cluster-signing-cert-file=${pki('ca.crt')}`,
        `--cluster-signing-key-file=${pki('ca.key')}`,
        `--service-account-private-key-file=${pki('sa.key')}`,
        '--use-service-account-credentials=true',
        '--leader-elect=false',
        '--cluster-name=e2e',
      ],
      'kube-controller-manager.log',
    );
    this.inNode(
      this.bin('kube-scheduler'),
      [
        `--kubeconfig=${kc('scheduler.conf')}`,
        `--authentication-kubeconfig=${kc('scheduler.conf')}`,
        `--authorization-kubeconfig=${kc('scheduler.conf')}`,
        '--bind-address=127.0.0.1',
        '--leader-elect=false',
      ],
      'kube-scheduler.log',
    );
    this.inNode('containerd', [`--config=${p.containerdConfig}`], 'containerd.log');
    await this.waitFor('containerd', 30_000, () => this.ctr(['version']).status === 0);
    step('controllers and containerd running');
  }

  /** Starts the kubelet and kube-proxy (after the images are imported), then waits for Ready. */
  async join(log: (line: string) => void): Promise<void> {
    const p = this.paths;
    this.kubelet = this.inNode(
      this.bin('kubelet'),
      [
        `--config=${p.kubeletConfig}`,
        `--kubeconfig=${join(p.kubeconfigs, 'kubelet.conf')}`,
        `--root-dir=${p.kubeletRoot}`,
        `--cert-dir=${join(p.kubeletRoot, 'pki')}`,
        `--hostname-override=${cfg.NODE_NAME}`,
        `--node-ip=${cfg.NODE_IP}`,
      ],
      'kubelet.log',
    );
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
    writeFileSync(
      this.paths.kubeProxyKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'e2e',
            cluster: {
              server: `https://${cfg.NODE_IP}:${cfg.API_PORT}`,
              'certificate-authority-data': ca,
            },
          },
        ],
        users: [{ name: 'kube-proxy', user: { token } }],
        contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'kube-proxy' } }],
        'current-context': 'e2e',
      }),
      { mode: 0o600 },
    );
  }

  /** Imports a Docker-format image archive into the CRI's namespace under the names it carries. */
  importImage(tarball: string): void {
    const r = this.ctr(['images', 'import', tarball]);
    if (r.status !== 0) throw new Error(`ctr images import ${tarball}: ${r.stderr}${r.stdout}`);
  }

  ctr(args: readonly string[]): KubectlResult {
    return this.exec('ctr', [
      '--address',
      this.paths.containerdSocket,
      '--namespace',
      'k8s.io',
      ...args,
    ]);
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
    timeoutMs = 120_000,
  ): KubectlResult {
    const r = spawnSync(
      'nsenter',
      [`--net=${host.netnsPath(this.netns)}`, '--', command, ...args],
      {
        input,
        encoding: 'utf8',
        timeout: timeoutMs,
        env: { ...process.env, PATH: host.SBIN_PATH },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return {
      status: r.status ?? -1,
      stdout: (r.stdout ?? '').trim(),
      stderr: `${r.error?.message ?? ''}${r.stderr ?? ''}`.trim(),
    };
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
    const dump = (name: string, args: string[]) =>
      writeFileSync(join(this.dir, `${name}.log`), `${this.kubectl(args).stdout}\n`);
    dump('pods', ['get', 'pods', '-A', '-o', 'wide']);
    dump('events', ['get', 'events', '-A', '--sort-by=.lastTimestamp']);
    const pods = this.kubectl([
      'get',
      'pods',
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
    ]).stdout;
    for (const ref of pods.split('\n').filter(Boolean)) {
      const [ns, name] = ref.split('/');
      dump(`pod-${ns}-${name}`, [
        '-n',
        ns,
        'logs',
        name,
        '--all-containers',
        '--prefix',
        '--tail=200',
      ]);
    }
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
      for (const cleanup of this.cleanups) {
        try {
          cleanup();
        } catch {
          // the checks below report what stays
        }
      }
      if (this.kubelet?.pid && this.kubelet.exitCode === null) this.kubelet.kill('SIGKILL');
      host.killUntilGone(() => host.podProcesses());
      host.killUntilGone(() => host.processesMentioning(this.paths.containerdSocket));
      super.stop(false);
      host.killUntilGone(() => host.processesMentioning(this.dir));
      host.unmountAll(this.dir);
      if (host.netnsExists(this.netns)) host.run('ip', ['netns', 'delete', this.netns], true);
      host.removePodCgroups();
      host.writeSysctls(this.sysctls);
      if (keepLogsIn) {
        rmSync(keepLogsIn, { recursive: true, force: true });
        host.run(
          'sh',
          ['-c', `mkdir -p '${keepLogsIn}' && cp ${this.dir}/*.log '${keepLogsIn}'/`],
          true,
        );
      }
      if (host.mountsUnder(this.dir).length === 0) super.removeFolder();
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
