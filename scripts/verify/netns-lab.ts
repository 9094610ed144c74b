// Throwaway network namespaces wired like a node, a pod on it (veth, node end named cali*) and
// the metadata server behind the node's uplink, for scripts/verify/node-network-check.ts.
// iptables runs only through `ip netns exec`; teardown() deletes everything it made.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { METADATA_ADDRESS } from '../../infra/cluster/gcp/metadata-block';

/** PATH with the sbin folders, where Debian puts ip and iptables. */
export const PATH = [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter);
/** An ordinary address behind the node, next to the metadata server. */
export const OTHER = '10.201.0.2';
/** A Service address the node DNATs to the metadata server (as kube-proxy would). */
export const SERVICE_IP = '10.96.0.10';
/** How long a probe waits for an answer; a dropped SYN shows as a timeout. */
const PROBE_MS = 1500;

/** One probe's outcome: `answered <server name>`, `timeout`, or an error code. */
export type Outcome = string;

const SERVER = `const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
let up = 0;
for (const [host, port, name] of specs) {
  net.createServer((s) => s.end('HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n' + name + '\\n'))
    .listen(port, host, () => { if (++up === specs.length) console.log('ready'); });
}`;

const PROBE = `const net = require('node:net');
const probe = ([host, port]) => new Promise((done) => {
  let data = '';
  const s = net.connect({ host, port });
  const t = setTimeout(() => { s.destroy(); done('timeout'); }, ${PROBE_MS});
  s.on('data', (c) => (data += c));
  s.on('end', () => { clearTimeout(t); done('answered ' + (data.split('\\r\\n\\r\\n')[1] ?? '').trim()); });
  s.on('error', (e) => { clearTimeout(t); done(e.code ?? String(e)); });
});
Promise.all(JSON.parse(process.argv[1]).map(probe)).then((r) => console.log(JSON.stringify(r)));`;

/** Three namespaces wired like a node, a pod and the metadata server; teardown() undoes all. */
export class Lab {
  readonly node = `k8sp-node-${process.pid}`;
  readonly pod = `k8sp-pod-${process.pid}`;
  readonly metadata = `k8sp-md-${process.pid}`;
  private readonly created: string[] = [];
  private server?: ChildProcess;

  run(args: readonly string[], input?: string): string {
    const r = spawnSync('ip', args, { input, encoding: 'utf8', env: { ...process.env, PATH } });
    if (r.status !== 0)
      throw new Error(`ip ${args.join(' ')}: ${r.error?.message ?? ''}${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  in(ns: string, ...command: string[]): string {
    return this.run(['netns', 'exec', ns, ...command]);
  }
  iptables(...args: string[]): string {
    return this.in(this.node, 'iptables', '-w', '10', ...args);
  }
  /** Runs a bash script (the rendered rule script) as root inside the node namespace. */
  script(text: string): string {
    return this.run(['netns', 'exec', this.node, 'bash', '-s'], text);
  }

  build(): void {
    for (const ns of [this.node, this.pod, this.metadata]) {
      this.run(['netns', 'add', ns]);
      this.created.push(ns);
      this.run(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const ip = (ns: string, ...a: string[]) => this.run(['-n', ns, ...a]);
    /** A veth pair: `nodeEnd` in the node's namespace, `eth0` in `peer`. */
    const veth = (nodeEnd: string, peer: string) =>
      ip(this.node, 'link', 'add', nodeEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer);
    // The pod's veth: its node end named like Calico's (cali + a suffix).
    veth('cali0verify', this.pod);
    ip(this.node, 'addr', 'add', '10.200.0.1/30', 'dev', 'cali0verify');
    ip(this.node, 'link', 'set', 'cali0verify', 'up');
    ip(this.pod, 'addr', 'add', '10.200.0.2/30', 'dev', 'eth0');
    ip(this.pod, 'link', 'set', 'eth0', 'up');
    ip(this.pod, 'route', 'add', 'default', 'via', '10.200.0.1');
    // The node's uplink, behind which the metadata server (and an ordinary address) answer.
    veth('ens4', this.metadata);
    ip(this.node, 'addr', 'add', '10.201.0.1/24', 'dev', 'ens4');
    ip(this.node, 'link', 'set', 'ens4', 'up');
    ip(this.metadata, 'addr', 'add', `${OTHER}/24`, 'dev', 'eth0');
    ip(this.metadata, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'eth0');
    ip(this.metadata, 'link', 'set', 'eth0', 'up');
    ip(this.metadata, 'route', 'add', 'default', 'via', '10.201.0.1');
    ip(this.node, 'route', 'add', `${METADATA_ADDRESS}/32`, 'via', OTHER);
    this.in(this.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // Calico's verdicts in front: workload mark in raw, established/accepted ACCEPT in mangle,
    // and filter FORWARD accepting what policy allows (here: everything from cali*), policy DROP.
    this.script(`set -euo pipefail
ipt() { iptables -w 10 "$@"; }
ipt -t raw -N cali-PREROUTING
ipt -t raw -A cali-PREROUTING -i cali+ -j MARK --set-xmark 0x40000/0x40000
ipt -t raw -I PREROUTING 1 -j cali-PREROUTING
ipt -t mangle -N cali-PREROUTING
ipt -t mangle -A cali-PREROUTING -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ipt -t mangle -A cali-PREROUTING -m mark --mark 0x10000/0x10000 -j ACCEPT
ipt -t mangle -I PREROUTING 1 -j cali-PREROUTING
ipt -t filter -N cali-FORWARD
ipt -t filter -A cali-FORWARD -i cali+ -j MARK --set-xmark 0x10000/0x10000
ipt -t filter -A cali-FORWARD -o cali+ -j MARK --set-xmark 0x10000/0x10000
ipt -t filter -A cali-FORWARD -m mark --mark 0x10000/0x10000 -j ACCEPT
ipt -t filter -I FORWARD 1 -j cali-FORWARD
ipt -t filter -P FORWARD DROP
# A Service whose backend is the metadata address (kube-proxy-style DNAT).
ipt -t nat -A PREROUTING -i cali+ -d ${SERVICE_IP}/32 -p tcp --dport 80 -j DNAT --to-destination ${METADATA_ADDRESS}:80
`);
  }

  async serve(): Promise<void> {
    const specs = [
      [METADATA_ADDRESS, 80, 'metadata-http'],
      [METADATA_ADDRESS, 53, 'metadata-dns'],
      [OTHER, 80, 'other-http'],
    ];
    const child = spawn(
      'ip',
      ['netns', 'exec', this.metadata, process.execPath, '-e', SERVER, JSON.stringify(specs)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH } },
    );
    this.server = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the metadata stand-in did not start in 10 s')),
        10_000,
      );
      let errors = '';
      child.stderr?.on('data', (c: Buffer) => (errors += c.toString()));
      child.stdout?.on('data', (c: Buffer) => {
        if (c.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the metadata stand-in exited (${code}): ${errors}`));
      });
    });
  }

  /**
   * Connects from a namespace to each host:port at once; one outcome per target. Asynchronous,
   * so that SIGINT is handled (and the lab torn down) while probes wait out their timeouts.
   */
  probe(ns: string, targets: readonly [string, number][]): Promise<Outcome[]> {
    const args = ['netns', 'exec', ns, process.execPath, '-e', PROBE, JSON.stringify(targets)];
    const child = spawn('ip', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH },
    });
    let out = '';
    let errors = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0
          ? resolve(JSON.parse(out) as Outcome[])
          : reject(new Error(`probe from ${ns} exited ${code}: ${errors}`)),
      );
    });
  }

  /** Kills the stand-in and deletes the namespaces (their veths go with them). Idempotent. */
  teardown(): void {
    if (this.server?.pid && this.server.exitCode === null) this.server.kill('SIGKILL');
    this.server = undefined;
    while (this.created.length > 0) {
      const ns = this.created.pop() as string;
      spawnSync('ip', ['netns', 'del', ns], { env: { ...process.env, PATH } });
    }
  }
}
