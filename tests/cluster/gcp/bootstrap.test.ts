import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  AUDIT_POLICY,
  controlPlaneScript,
  kubeadmInitConfig,
  kubeadmJoinConfig,
  kubeProxyPatch,
  nodePrep,
  secretNames,
  workerScript,
} from '../../../infra/cluster/gcp/bootstrap';
import { containerdConfig, RUNTIME_APT_PIN } from '../../../infra/cluster/gcp/containerd';
import { KUBE_SYSTEM_PODS } from '../../../infra/cluster/system-pods';

// The nodes' startup scripts and kubeadm configs: snapshots, shellcheck, and the facts that
// matter asserted one by one. `npm run verify` also has kubeadm itself validate the configs.
const CP = {
  cluster: 'k8s-platform',
  project: 'acme-platform-1',
  kubernetesVersion: '1.32.13',
  internalIp: '10.10.0.2',
  publicIp: '34.1.2.10',
  podCidr: '192.168.0.0/16',
  serviceCidr: '10.96.0.0/12',
  caCertPem: '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
};
const WORKER = {
  cluster: 'k8s-platform',
  project: 'acme-platform-1',
  kubernetesVersion: '1.32.13',
  endpoint: '10.10.0.2:6443',
  caCertHash: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
};

function shellcheck(script: string): string {
  const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
    input: script,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return r.stdout;
}

type Doc = Record<string, any>;
const docs = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc);

describe('node startup scripts', () => {
  const control = controlPlaneScript(CP);
  const worker = workerScript(WORKER);

  it('match their snapshots', () => {
    expect(control).toMatchSnapshot('control plane');
    expect(worker).toMatchSnapshot('worker');
  });

  it('are shellcheck clean', () => {
    expect(shellcheck(control)).toBe('');
    expect(shellcheck(worker)).toBe('');
  });

  it('run every apt-get through the wrapper that waits for the dpkg lock', () => {
    for (const script of [control, worker]) {
      const aptLines = script.split('\n').filter((l) => /\bapt-get\b/.test(l));
      expect(aptLines).toEqual(['  apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"']);
      expect(script).toContain('retry 7 apt_get update');
      expect(script).toContain(
        "retry 7 apt_get install kubelet='1.32.13-*' kubeadm='1.32.13-*' kubectl='1.32.13-*'",
      );
    }
  });

  it('retry every download and every Secret Manager read', () => {
    for (const script of [control, worker]) {
      const downloads = script.split('\n').filter((l) => /curl -fsSL/.test(l));
      expect(downloads.length).toBe(3);
      for (const line of downloads) expect(line).toMatch(/^retry 7 curl -fsSL /);
      const reads = script.split('\n').filter((l) => l.includes('gcloud secrets versions access'));
      expect(reads).toEqual([
        '  retry 7 gcloud secrets versions access latest --secret="$1" --project="acme-platform-1"',
      ]);
    }
  });

  it('keep the token and keys out of the output: no xtrace, no token print, a private log', () => {
    for (const script of [control, worker]) {
      expect(script).not.toMatch(/^\s*set\s+-[a-z]*x/m);
      expect(script).not.toMatch(/set -o xtrace/);
      for (const line of script.split('\n').filter((l) => /\b(echo|printf)\b/.test(l)))
        expect(line).not.toMatch(/bootstrap_token|encryption_key|ca\.key/);
      // The log is made private before the first line is written to it.
      const made = script.indexOf('(umask 077 && touch "$log")');
      const chmod = script.indexOf('chmod 0600 "$log"');
      const redirected = script.indexOf('exec > >(tee -a "$log") 2>&1');
      expect(made).toBeGreaterThan(0);
      expect(chmod).toBeGreaterThan(made);
      expect(redirected).toBeGreaterThan(chmod);
      expect(script).toContain('log=/var/log/k8s-platform-bootstrap.log');
    }
    expect(control).toContain(
      'kubeadm init --config /etc/kubernetes/kubeadm.yaml --skip-token-print || init_code=$?',
    );
  });

  it('remove the file holding the token also when kubeadm init fails', () => {
    const init = control.indexOf('kubeadm init --config');
    const removed = control.indexOf('rm -f /etc/kubernetes/kubeadm.yaml');
    const failed = control.indexOf('if ((init_code != 0)); then exit "$init_code"; fi');
    expect(removed).toBeGreaterThan(init);
    expect(failed).toBeGreaterThan(removed);
  });

  it('install containerd and runc at exact versions, checked against their sha256', () => {
    for (const script of [control, worker]) {
      expect(script).toContain(
        "'https://github.com/containerd/containerd/releases/download/v2.0.11/containerd-static-2.0.11-linux-amd64.tar.gz'",
      );
      expect(script).toContain(
        'echo "80c9b4afb94c21c86783d99c92b531969692a5c393c73e4735676d7caf61b1ed  $download/containerd.tar.gz" | sha256sum --check --strict',
      );
      expect(script).toContain(
        "'https://github.com/opencontainers/runc/releases/download/v1.3.6/runc.amd64'",
      );
      expect(script).toContain(
        'echo "3f3921dbbee7723e9868f97e88e51ffc910206e3ba55646e74d93d24ea76023c  $download/runc" | sha256sum --check --strict',
      );
      // The distribution's runtime packages can never be installed over the pinned binaries.
      expect(script).toContain(
        'Package: containerd containerd.io runc\nPin: release *\nPin-Priority: -1',
      );
      expect(script).not.toMatch(/apt_get install[^\n]*\bcontainerd\b/);
      expect(script).toContain('systemctl enable containerd');
    }
  });

  it('make a rerun after a failed kubeadm init start clean, and a finished init not rerun', () => {
    expect(control).toMatch(
      /if \[\[ ! -f "\$init_done" \]\]; then\nstep kubeadm-reset\n[\s\S]*kubeadm reset --force[\s\S]*touch "\$init_done"\nfi\n/,
    );
    expect(control.indexOf('kubeadm reset --force')).toBeLessThan(
      control.indexOf('cat >/etc/kubernetes/pki/ca.crt'),
    );
    expect(worker).toContain(
      'if [[ ! -f /etc/kubernetes/kubelet.conf ]]; then\n  retry 6 join_once\nfi',
    );
  });

  it('give kube-proxy the requests the footprint counts, after kubeadm init, retried', () => {
    expect(JSON.parse(kubeProxyPatch())).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'kube-proxy',
                resources: {
                  requests: {
                    cpu: KUBE_SYSTEM_PODS.kubeProxy.cpu,
                    memory: KUBE_SYSTEM_PODS.kubeProxy.memory,
                  },
                  limits: { memory: KUBE_SYSTEM_PODS.kubeProxy.memoryLimit },
                },
              },
            ],
          },
        },
      },
    });
    // Kept on the node, where the upgrade script applies it again after kubeadm upgrade apply.
    expect(control).toContain(
      `cat >/etc/k8s-platform/kube-proxy-patch.json <<'EOF'\n${kubeProxyPatch()}\nEOF`,
    );
    expect(control).toContain(
      `kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system patch daemonset kube-proxy \\\n    --type strategic --patch-file /etc/k8s-platform/kube-proxy-patch.json`,
    );
    expect(control.indexOf('retry 7 patch_kube_proxy')).toBeGreaterThan(
      control.indexOf('kubeadm init --config'),
    );
  });

  it('rotate the bootstrap token on the control plane only', () => {
    expect(control).toContain('systemctl enable --now k8s-platform-bootstrap-token.timer');
    expect(worker).not.toContain('k8s-platform-bootstrap-token.timer');
  });

  it('run other modules’ steps by name, before and after kubeadm, and report done last', () => {
    const o = {
      beforeKubeadm: [{ name: 'metadata-block', script: 'echo blocked\n' }],
      afterKubeadm: [{ name: 'maintenance', script: 'echo timers' }],
    };
    for (const [script, kubeadm] of [
      [controlPlaneScript(CP, o), 'kubeadm init --config'],
      [workerScript(WORKER, o), 'retry 6 join_once'],
    ] as const) {
      const before = script.indexOf('step metadata-block\necho blocked\n\n');
      expect(before).toBeGreaterThan(script.indexOf('apt-mark hold kubelet kubeadm kubectl'));
      expect(before).toBeLessThan(script.indexOf(kubeadm));
      expect(script.trimEnd()).toMatch(
        /\nstep maintenance\necho timers\n\ninstall -d -m 0755 "\$\(dirname "\$marker"\)"\ntouch "\$marker"\nreport 'done'\necho "k8s-platform-bootstrap: done"$/,
      );
      expect(script.indexOf('step maintenance')).toBeGreaterThan(script.indexOf(kubeadm));
    }
    expect(shellcheck(controlPlaneScript(CP, o))).toBe('');
  });

  it('refuse a step name that cannot be a report value', () => {
    expect(() =>
      workerScript(WORKER, { afterKubeadm: [{ name: 'Etcd Backup', script: 'true' }] }),
    ).toThrow(
      'script step name: "Etcd Backup" is not allowed; use lowercase letters, digits and single dashes (e.g. "metadata-block")',
    );
  });

  it('prepare every node as kubeadm needs, at the pinned version, held', () => {
    for (const script of [control, worker]) {
      expect(script).toContain('swapoff -a');
      expect(script).toContain('modprobe br_netfilter');
      expect(script).toContain('net.ipv4.ip_forward = 1');
      expect(script).toContain('https://pkgs.k8s.io/core:/stable:/v1.32/deb/');
      expect(script).toContain('apt-mark hold kubelet kubeadm kubectl');
    }
  });

  it('carry no secret: the CA key, token and encryption key come from Secret Manager', () => {
    expect(control).toContain('fetch_secret k8s-platform-ca-key >/etc/kubernetes/pki/ca.key');
    expect(control).toContain('encryption_key="$(fetch_secret k8s-platform-encryption-key)"');
    expect(worker).toContain('bootstrap_token="$(fetch_secret k8s-platform-bootstrap-token)"');
    expect(worker).not.toContain('ca-key');
    expect(worker).not.toContain('encryption-key');
    expect(control).not.toMatch(/PRIVATE KEY/);
  });

  it('never run a command from inside a rendered file (no backticks or $( in heredoc bodies)', () => {
    for (const body of [kubeadmInitConfig(CP), kubeadmJoinConfig(WORKER), AUDIT_POLICY]) {
      expect(body).not.toContain('`');
      expect(body).not.toContain('$(');
    }
  });
});

describe('kubeadm configuration', () => {
  const [init, cluster, kubelet, proxy] = docs(kubeadmInitConfig(CP)) as [Doc, Doc, Doc, Doc];

  it('advertises the internal address behind a stable endpoint, with the public one in the certificate', () => {
    expect(init.localAPIEndpoint).toEqual({ advertiseAddress: '10.10.0.2', bindPort: 6443 });
    expect(cluster.controlPlaneEndpoint).toBe('10.10.0.2:6443');
    // 127.0.0.1 always: the IAP tunnel (apiServerEndpoint=iap-tunnel) reaches it there, and kubeadm
    // writes the certificate once, so a stack switched later must already be covered.
    expect(cluster.apiServer.certSANs).toEqual(['34.1.2.10', '10.10.0.2', '127.0.0.1']);
    expect(cluster.kubernetesVersion).toBe('v1.32.13');
  });

  it('uses the pod CIDR Calico gets', () => {
    expect(cluster.networking).toEqual({
      podSubnet: '192.168.0.0/16',
      serviceSubnet: '10.96.0.0/12',
    });
  });

  it('encrypts Secrets at rest and writes an audit log', () => {
    const args = Object.fromEntries(
      (cluster.apiServer.extraArgs as { name: string; value: string }[]).map((a) => [
        a.name,
        a.value,
      ]),
    );
    expect(args['encryption-provider-config']).toBe('/etc/kubernetes/encryption/config.yaml');
    expect(args['audit-policy-file']).toBe('/etc/kubernetes/audit/policy.yaml');
    expect(args['audit-log-path']).toBe('/var/log/kubernetes/audit/audit.log');
    const control = controlPlaneScript(CP);
    expect(control).toContain('      - secretbox:');
    expect(control).toContain('secret: "${encryption_key}"');
  });

  it('binds the control plane and kube-proxy metrics for Prometheus', () => {
    expect(cluster.controllerManager.extraArgs).toEqual([
      { name: 'bind-address', value: '0.0.0.0' },
    ]);
    expect(cluster.scheduler.extraArgs).toEqual([{ name: 'bind-address', value: '0.0.0.0' }]);
    expect(cluster.etcd.local.extraArgs).toEqual([
      { name: 'listen-metrics-urls', value: 'http://0.0.0.0:2381' },
    ]);
    expect(proxy.metricsBindAddress).toBe('0.0.0.0:10249');
  });

  it('gives the kubelet the systemd driver and the reservations the footprint subtracts', () => {
    expect(kubelet).toMatchObject({
      cgroupDriver: 'systemd',
      systemReserved: { cpu: '100m', memory: '512Mi' },
      kubeReserved: { cpu: '100m', memory: '512Mi' },
    });
    // The whole map: a partial one would switch the kubelet's disk thresholds off.
    expect(kubelet.evictionHard).toEqual({
      'memory.available': '100Mi',
      'nodefs.available': '10%',
      'nodefs.inodesFree': '5%',
      'imagefs.available': '15%',
      'imagefs.inodesFree': '5%',
    });
  });

  it('has every kubelet request a serving certificate from the cluster CA', () => {
    // metrics-server verifies the kubelets against the cluster CA (no --kubelet-insecure-tls):
    // a self-signed kubelet certificate would fail every scrape on gcp.
    expect(kubelet.serverTLSBootstrap).toBe(true);
    // Workers take the same KubeletConfiguration from the cluster (kubeadm's kubelet-config
    // ConfigMap): their join configuration carries none of its own.
    expect(docs(kubeadmJoinConfig(WORKER)).map((d) => d.kind)).toEqual(['JoinConfiguration']);
  });

  it('joins workers with the CA hash known in advance', () => {
    const [join] = docs(kubeadmJoinConfig(WORKER)) as [Doc];
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: '10.10.0.2:6443',
      token: '${bootstrap_token}',
      caCertHashes: [WORKER.caCertHash],
    });
  });
});

describe('containerd configuration', () => {
  // Parsed by Python's tomllib, so the assertions are about tables, not text.
  const toml = (text: string) => {
    const r = spawnSync(
      'python3',
      ['-c', 'import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'],
      { input: text, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Doc;
  };
  const config = toml(containerdConfig());

  it('is config version 3, the format of containerd 2.x', () => {
    expect(config.version).toBe(3);
  });

  it('uses the systemd cgroup driver for runc, where containerd 2.x reads it', () => {
    const runc = config.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc;
    expect(runc).toEqual({
      runtime_type: 'io.containerd.runc.v2',
      options: { SystemdCgroup: true },
    });
  });

  it('pins the sandbox image kubeadm 1.32 expects', () => {
    expect(config.plugins['io.containerd.cri.v1.images'].pinned_images).toEqual({
      sandbox: 'registry.k8s.io/pause:3.10',
    });
  });

  it('is written whole, not edited with sed (2.x has no sandbox_image line to edit)', () => {
    const script = workerScript(WORKER);
    expect(script).not.toContain('containerd config default');
    expect(script).toContain(
      `cat >/etc/containerd/config.toml <<'EOF'\n${containerdConfig().trim()}\nEOF`,
    );
  });
});

describe('the module split', () => {
  it('keeps every name the cluster layer and verify import on ./bootstrap', () => {
    expect(secretNames('c').bootstrapToken).toBe('c-bootstrap-token');
    expect(nodePrep(WORKER)).toContain('marker=/var/lib/k8s-platform/bootstrapped');
  });
});

describe('the distribution runtime pin', () => {
  // apt itself reads the rendered preferences (this machine is Debian 12, whose lists carry
  // containerd 1.6.20 and runc 1.1.5): no version of either may be a candidate.
  it('leaves apt no candidate for containerd or runc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apt-pin-'));
    try {
      writeFileSync(join(dir, 'k8s-platform-container-runtime'), `${RUNTIME_APT_PIN}\n`);
      const r = spawnSync(
        'apt-cache',
        ['-o', `Dir::Etc::PreferencesParts=${dir}`, 'policy', 'containerd', 'runc'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      // ` *** ` marks an installed version (the e2e node installs Debian's containerd and runc).
      const versions = r.stdout.split('\n').filter((l) => /^ (\*{3}| {3}) \S+ -?\d+$/.test(l));
      expect(versions.length).toBeGreaterThanOrEqual(2);
      for (const line of versions) expect(line).toMatch(/ -1$/);
      expect(r.stdout.match(/Candidate: \(none\)/g)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
