import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import {
  AUDIT_POLICY,
  controlPlaneScript,
  kubeadmInitConfig,
  kubeadmJoinConfig,
  workerScript,
} from '../../../infra/cluster/gcp/bootstrap';

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

  it('prepare every node as kubeadm needs, at the pinned version, held', () => {
    for (const script of [control, worker]) {
      expect(script).toContain('swapoff -a');
      expect(script).toContain('modprobe br_netfilter');
      expect(script).toContain('net.ipv4.ip_forward = 1');
      expect(script).toContain("sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'");
      expect(script).toContain('https://pkgs.k8s.io/core:/stable:/v1.32/deb/');
      expect(script).toContain(
        "apt-get install -y -q kubelet='1.32.13-*' kubeadm='1.32.13-*' kubectl='1.32.13-*'",
      );
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
    expect(cluster.apiServer.certSANs).toEqual(['34.1.2.10', '10.10.0.2']);
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

  it('joins workers with the CA hash known in advance', () => {
    const [join] = docs(kubeadmJoinConfig(WORKER)) as [Doc];
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: '10.10.0.2:6443',
      token: '${bootstrap_token}',
      caCertHashes: [WORKER.caCertHash],
    });
  });
});
