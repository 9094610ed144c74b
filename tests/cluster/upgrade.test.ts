import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { calls, executable, run } from '../support/shell-fakes';
import { useTempDir } from '../support/temp-dir';

// scripts/cluster/upgrade.sh run for real against a fake cluster: fake kubectl and gcloud on
// PATH record their calls and keep the cluster's state in files (server version, each node's
// kubelet). The fake gcloud runs the --command it is given, as the VM's shell would, so
// upgrade-node.sh runs too, with fake apt-get, apt-mark, kubeadm, systemctl, curl, gpg and sudo
// that record their calls and move the state on (kubeadm upgrade apply raises the server's
// version; a kubelet restart reports the kubelet package installed).
const root = resolve(__dirname, '../..');
const UPGRADE = join(root, 'scripts/cluster/upgrade.sh');
const CP = 'k8s-platform-cp-0';
const WORKERS = ['k8s-platform-worker-0', 'k8s-platform-worker-1'];

const FAKES: Record<string, string> = {
  kubectl: `echo "kubectl $*" >>"$CALLS"
if [[ -n "\${FAKE_FAIL:-}" && "kubectl $*" == "$FAKE_FAIL"* ]]; then echo "error: injected" >&2; exit 1; fi
case "$1 $2" in
  "get --raw")
    if [[ "$3" == /version ]]; then
      printf '{\\n  "major": "1",\\n  "gitVersion": "v%s",\\n  "platform": "linux/amd64"\\n}\\n' "$(cat "$STATE/server")"
    else
      echo ok
    fi ;;
  "get nodes") cat "$STATE/workers" ;;
  "get node")
    if [[ ! -f "$STATE/kubelet-$3" ]]; then echo "Error from server (NotFound): nodes \\"$3\\" not found" >&2; exit 1; fi
    if [[ "$*" == *"-o name"* ]]; then echo "node/$3"
    elif [[ "$*" == *Ready* ]]; then echo "$(cat "$STATE/kubelet-$3") True"
    else cat "$STATE/kubelet-$3"; fi ;;
esac`,
  gcloud: `[[ "$1 $2" == "compute ssh" ]] || { echo "unexpected: gcloud $*" >&2; exit 1; }
vm="$3"; shift 3
zone=""; project=""; iap=no; quiet=no; cmd=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --zone) zone="$2"; shift 2 ;;
    --project) project="$2"; shift 2 ;;
    --tunnel-through-iap) iap=yes; shift ;;
    --quiet) quiet=yes; shift ;;
    --command) cmd="$2"; shift 2 ;;
    *) echo "unexpected argument $1" >&2; exit 1 ;;
  esac
done
step="$(awk '{print $(NF-1)}' <<<"$cmd")"
echo "gcloud ssh $vm $step zone=$zone project=$project iap=$iap quiet=$quiet" >>"$CALLS"
FAKE_VM="$vm" K8S_UPGRADE_APT_SOURCE="$STATE/$vm.list" K8S_UPGRADE_APT_KEYRING="$STATE/$vm.gpg" K8S_UPGRADE_KUBE_PROXY_PATCH="$STATE/$vm.kube-proxy.json" bash -c "$cmd"`,
  sudo: `exec "$@"`,
  'apt-get': `echo "$FAKE_VM: apt-get $*" >>"$CALLS"
if [[ -n "\${FAKE_FAIL:-}" && "$FAKE_VM: apt-get $*" == "$FAKE_FAIL"* ]]; then exit 100; fi
for arg in "$@"; do
  if [[ "$arg" == *=*-'*' ]]; then v="\${arg#*=}"; echo "\${v%-\\*}" >"$STATE/pkg-$FAKE_VM-\${arg%%=*}"; fi
done`,
  'apt-mark': `echo "$FAKE_VM: apt-mark $*" >>"$CALLS"`,
  kubeadm: `echo "$FAKE_VM: kubeadm $*" >>"$CALLS"
if [[ "$1 $2" == "upgrade apply" ]]; then echo "\${4#v}" >"$STATE/server"; fi`,
  systemctl: `echo "$FAKE_VM: systemctl $*" >>"$CALLS"
if [[ "$*" == "restart kubelet" ]]; then echo "v$(cat "$STATE/pkg-$FAKE_VM-kubelet")" >"$STATE/kubelet-$FAKE_VM"; fi`,
  curl: `echo "$FAKE_VM: curl $*" >>"$CALLS"; echo "armored key"`,
  gpg: `echo "$FAKE_VM: gpg $*" >>"$CALLS"; cat >"\${*: -1}"`,
};

const LIST = (minor: string) =>
  `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /\n`;

describe('scripts/cluster/upgrade.sh', () => {
  const temp = useTempDir('upgrade');

  function setUp(server = '1.32.13') {
    const dir = temp();
    const state = join(dir, 'state');
    mkdirSync(state);
    for (const [name, body] of Object.entries(FAKES))
      executable(join(dir, 'bin', name), `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`);
    writeFileSync(join(state, 'server'), `${server}\n`);
    writeFileSync(join(state, 'workers'), WORKERS.map((w) => `${w}\n`).join(''));
    for (const node of [CP, ...WORKERS]) {
      writeFileSync(join(state, `kubelet-${node}`), `v${server}\n`);
      writeFileSync(join(state, `${node}.list`), LIST(server.split('.').slice(0, 2).join('.')));
    }
    // Only the control plane's startup script leaves kube-proxy's requests patch behind.
    writeFileSync(join(state, `${CP}.kube-proxy.json`), '{}\n');
    const env = {
      CALLS: join(dir, 'calls'),
      STATE: state,
      K8S_UPGRADE_POLL_SECONDS: '0',
      K8S_UPGRADE_WAIT_ATTEMPTS: '3',
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    };
    const upgrade = (args: string[], extra: Record<string, string> = {}) =>
      run(UPGRADE, { ...env, ...extra }, args);
    return { env, state, upgrade, log: () => calls(env.CALLS) };
  }

  const FLAGS = ['--project', 'acme-platform-1', '--zone', 'europe-west1-b'];
  /** The calls that change something, in order. */
  const actions = (log: string[]) =>
    log.filter((l) =>
      /^(kubectl (drain|uncordon|.*patch daemonset) |gcloud ssh |\S+: kubeadm upgrade |\S+: systemctl restart )/.test(
        l,
      ),
    );

  it('upgrades the control plane, then one worker at a time: drain, upgrade, uncordon', () => {
    const s = setUp();
    const r = s.upgrade(['--to', '1.33.5', ...FLAGS]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ssh = (vm: string, step: string) =>
      `gcloud ssh ${vm} ${step} zone=europe-west1-b project=acme-platform-1 iap=yes quiet=yes`;
    expect(actions(s.log())).toEqual([
      ssh(CP, 'kubeadm-apply'),
      `${CP}: kubeadm upgrade plan v1.33.5`,
      `${CP}: kubeadm upgrade apply -y v1.33.5`,
      // kubeadm rewrote kube-proxy's DaemonSet: its requests go back on.
      `kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system patch daemonset kube-proxy --type strategic --patch-file ${s.state}/${CP}.kube-proxy.json`,
      `kubectl drain ${CP} --ignore-daemonsets --delete-emptydir-data --timeout=10m`,
      ssh(CP, 'kubelet'),
      `${CP}: systemctl restart kubelet`,
      `kubectl uncordon ${CP}`,
      ...WORKERS.flatMap((w) => [
        `kubectl drain ${w} --ignore-daemonsets --delete-emptydir-data --timeout=10m`,
        ssh(w, 'kubeadm-node'),
        `${w}: kubeadm upgrade node`,
        ssh(w, 'kubelet'),
        `${w}: systemctl restart kubelet`,
        `kubectl uncordon ${w}`,
      ]),
    ]);
    expect(r.stdout).toContain(
      "upgrade: done; every node runs v1.33.5. Set KUBERNETES_VERSION = '1.33.5' in infra/config/nodes.ts",
    );
  });

  it('switches each node to the new minor repository and installs exact versions, held again', () => {
    const s = setUp();
    expect(s.upgrade(['--to', '1.33.5', ...FLAGS]).status).toBe(0);
    const log = s.log();
    for (const node of [CP, ...WORKERS]) {
      expect(readFileSync(join(s.state, `${node}.list`), 'utf8')).toBe(LIST('1.33'));
      expect(readFileSync(join(s.state, `${node}.gpg`), 'utf8')).toBe('armored key\n');
      const own = log.filter((l) => l.startsWith(`${node}: `)).map((l) => l.slice(node.length + 2));
      expect(own).toContain('curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.33/deb/Release.key');
      const packages = own.filter((l) => l.startsWith('apt-'));
      expect(packages).toEqual([
        'apt-mark unhold kubeadm',
        'apt-get -o DPkg::Lock::Timeout=600 update -q',
        'apt-get -o DPkg::Lock::Timeout=600 install -y -q kubeadm=1.33.5-*',
        'apt-mark hold kubeadm',
        'apt-mark unhold kubelet kubectl',
        'apt-get -o DPkg::Lock::Timeout=600 update -q',
        'apt-get -o DPkg::Lock::Timeout=600 install -y -q kubelet=1.33.5-* kubectl=1.33.5-*',
        'apt-mark hold kubelet kubectl',
      ]);
    }
  });

  it('keeps the repository for a patch release', () => {
    const s = setUp();
    expect(s.upgrade(['--to', '1.32.14', ...FLAGS]).status).toBe(0);
    expect(s.log().filter((l) => l.includes(': curl '))).toEqual([]);
    expect(readFileSync(join(s.state, `${CP}.list`), 'utf8')).toBe(LIST('1.32'));
    expect(readFileSync(join(s.state, 'server'), 'utf8')).toBe('1.32.14\n');
  });

  it('refuses to skip a minor version, before touching any node', () => {
    const s = setUp();
    const r = s.upgrade(['--to', '1.34.1', ...FLAGS]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'upgrade: refusing to skip a minor version: the cluster runs v1.32.13 and --to 1.34.1 is 2 minors ahead; upgrade to a 1.33 release first\n',
    );
    expect(actions(s.log())).toEqual([]);
  });

  it('refuses a downgrade and a major change', () => {
    const s = setUp();
    expect(s.upgrade(['--to', '1.32.9', ...FLAGS]).stderr).toBe(
      "upgrade: --to 1.32.9 is older than the cluster's v1.32.13: kubeadm does not downgrade\n",
    );
    expect(s.upgrade(['--to', '2.0.0', ...FLAGS]).stderr).toBe(
      'upgrade: --to 2.0.0 changes the major version of the cluster (v1.32.13): not supported\n',
    );
    expect(actions(s.log())).toEqual([]);
  });

  it.each(['1.33', 'v1.33.5', '1.33.5-rc.1', '01.33.5', '1.33.x', ''])(
    'refuses the version string "%s" before asking the cluster anything',
    (bad) => {
      const s = setUp();
      const r = s.upgrade(['--to', bad, ...FLAGS]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        bad === ''
          ? 'upgrade: --to is required: the exact Kubernetes version, e.g. 1.33.5\n'
          : `upgrade: --to "${bad}" is not a Kubernetes version: expected x.y.z, such as 1.33.5 (no leading v)\n`,
      );
      expect(s.log()).toEqual([]);
    },
  );

  it('refuses an unknown argument and a flag without its value', () => {
    const s = setUp();
    const unknown = s.upgrade(['--to', '1.33.5', '--frob']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^usage: npm run cluster:upgrade -- --to <x\.y\.z>/);
    expect(unknown.stderr.endsWith('upgrade: unknown argument "--frob"\n')).toBe(true);
    expect(s.upgrade(['--to'])).toMatchObject({
      status: 1,
      stderr: 'upgrade: --to needs a value\n',
    });
    expect(s.log()).toEqual([]);
  });

  it('stops at the first failure naming node and step, then resumes where it stopped', () => {
    const s = setUp();
    const drain1 = `kubectl drain ${WORKERS[1]}`;
    const r = s.upgrade(['--to', '1.33.5', ...FLAGS], { FAKE_FAIL: drain1 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `error: injected\nupgrade: stopped at node ${WORKERS[1]}, step "drain"; nothing after it ran. Fix the cause and run the same command again: nodes already at v1.33.5 are skipped.\n`,
    );
    const log = s.log();
    expect(log[log.length - 1]).toMatch(new RegExp(`^${drain1} `));

    const again = s.upgrade(['--to', '1.33.5', ...FLAGS]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('upgrade: the control plane already runs v1.33.5');
    expect(again.stdout).toContain(`upgrade: ${CP}: kubelet already at v1.33.5, skipped`);
    expect(again.stdout).toContain(`upgrade: ${WORKERS[0]}: kubelet already at v1.33.5, skipped`);
    const second = actions(s.log().slice(log.length));
    expect(second[0]).toBe(
      `kubectl drain ${WORKERS[1]} --ignore-daemonsets --delete-emptydir-data --timeout=10m`,
    );
    expect(second[second.length - 1]).toBe(`kubectl uncordon ${WORKERS[1]}`);
    expect(second.filter((l) => l.includes('kubeadm-apply'))).toEqual([]);
  });

  it('names the node step that failed on the VM, and holds the packages again', () => {
    const s = setUp();
    const w = WORKERS[0];
    const r = s.upgrade(['--to', '1.33.5', ...FLAGS], {
      FAKE_FAIL: `${w}: apt-get -o DPkg::Lock::Timeout=600 install -y -q kubeadm`,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `upgrade: stopped at node ${w}, step "kubeadm upgrade node"; nothing after it ran.`,
    );
    const log = s.log();
    expect(log.slice(-2)).toEqual([
      `${w}: apt-get -o DPkg::Lock::Timeout=600 install -y -q kubeadm=1.33.5-*`,
      `${w}: apt-mark hold kubeadm`,
    ]);
    expect(log.filter((l) => l.startsWith(`kubectl uncordon ${w}`))).toEqual([]);
  });

  it('waits for the node to be Ready at the new version, and stops when it is not', () => {
    const s = setUp();
    const w = WORKERS[0];
    const r = s.upgrade(['--to', '1.33.5', ...FLAGS], {
      FAKE_FAIL: `kubectl get node ${w} -o jsonpath={.status.nodeInfo.kubeletVersion} {`,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`upgrade: ${w} reports "", expected "v1.33.5 True"\n`);
    expect(r.stderr).toContain(`upgrade: stopped at node ${w}, step "Ready at v1.33.5";`);
    const log = s.log();
    expect(log.filter((l) => l.includes('kubeletVersion} {') && l.includes(w))).toHaveLength(3);
    expect(log.filter((l) => l.startsWith(`kubectl uncordon ${w}`))).toEqual([]);
  });

  it('names what it could not read from the cluster: the control plane node, the workers', () => {
    const s = setUp();
    const r = s.upgrade(['--to', '1.33.5', ...FLAGS, '--cluster', 'other']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (NotFound): nodes "other-cp-0" not found\nupgrade: the cluster has no node other-cp-0: is --cluster other right?\n',
    );
    const w = s.upgrade(['--to', '1.33.5', ...FLAGS], { FAKE_FAIL: 'kubectl get nodes' });
    expect(w.status).toBe(1);
    expect(w.stderr).toBe(
      'error: injected\nupgrade: cannot list the worker nodes (kubectl get nodes)\n',
    );
    expect(actions(s.log())).toEqual([]);
  });

  it('reads project, zone and cluster from the stack configuration when not given', () => {
    const s = setUp();
    const config = { gcpProject: 'acme-platform-2', gcpRegion: 'europe-west4' };
    executable(
      join(s.env.STATE, '..', 'bin', 'pulumi'),
      `#!/usr/bin/env bash\ncase "$3" in\n${Object.entries(config)
        .map(([k, v]) => `  ${k}) echo ${v} ;;\n`)
        .join('')}  *) echo "error: configuration key '$3' not found" >&2; exit 1 ;;\nesac\n`,
    );
    const r = s.upgrade(['--to', '1.32.14']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'upgrade: cluster k8s-platform (project acme-platform-2, zone europe-west4-b) from v1.32.13 to v1.32.14',
    );
    expect(s.log()).toContain(
      `gcloud ssh ${CP} kubeadm-apply zone=europe-west4-b project=acme-platform-2 iap=yes quiet=yes`,
    );
  });

  it('asks for the project when neither a flag nor the stack gives one', () => {
    const s = setUp();
    executable(join(s.env.STATE, '..', 'bin', 'pulumi'), '#!/usr/bin/env bash\nexit 255\n');
    const r = s.upgrade(['--to', '1.33.5']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'upgrade: no project: pass --project <id> (or select the stack: pulumi config get gcpProject)\n',
    );
  });
});

describe('scripts/cluster/upgrade-node.sh', () => {
  const temp = useTempDir('upgrade-node');
  const NODE = join(root, 'scripts/cluster/upgrade-node.sh');

  it('refuses an unknown step and a bad version', () => {
    const env = { K8S_UPGRADE_APT_SOURCE: join(temp(), 'none.list') };
    expect(run(NODE, env, ['reboot', '1.33.5'])).toMatchObject({
      status: 2,
      stderr:
        'upgrade-node: unknown step "reboot": expected kubeadm-apply, kubeadm-node or kubelet\n',
    });
    expect(run(NODE, env, ['kubelet', '1.33'])).toMatchObject({
      status: 2,
      stderr: 'upgrade-node: "1.33" is not a version: expected x.y.z\n',
    });
  });

  it('stops before any package change when the apt source is not pkgs.k8s.io', () => {
    const list = join(temp(), 'kubernetes.list');
    writeFileSync(list, 'deb https://apt.example.invalid/ stable main\n');
    const r = run(NODE, { K8S_UPGRADE_APT_SOURCE: list }, ['kubelet', '1.33.5']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`upgrade-node: ${list} names no pkgs.k8s.io repository\n`);
  });
});
