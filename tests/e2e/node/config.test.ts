import { parseAllDocuments } from 'yaml';
import * as cfg from '../../../scripts/e2e/node/config';
import { KUBERNETES_VERSION } from '../../../infra/config/nodes';

// The e2e node's configuration files: each names the node's own folder, never a host path that
// another kubelet or containerd would use, and carries the settings this VM needs.
const l = cfg.layout('/tmp/k8sp-e2e-1-x');

describe('e2e node configuration', () => {
  it('keeps every path inside the node folder', () => {
    for (const [key, path] of Object.entries(l))
      expect(`${key} ${path}`).toContain(' /tmp/k8sp-e2e-1-x/');
  });

  it('kubeadm writes certificates for the bridge address and the kubernetes Service', () => {
    const [init, cluster] = parseAllDocuments(cfg.kubeadmConfig(l)).map(
      (d) => d.toJS() as Record<string, any>,
    );
    expect(init.localAPIEndpoint).toEqual({
      advertiseAddress: cfg.NODE_IP,
      bindPort: cfg.API_PORT,
    });
    expect(cluster.kubernetesVersion).toBe(`v${KUBERNETES_VERSION}`);
    expect(cluster.apiServer.certSANs).toEqual(
      expect.arrayContaining([cfg.NODE_IP, cfg.KUBERNETES_SERVICE_IP]),
    );
    expect(cluster.certificatesDir).toBe(l.pki);
  });

  it('containerd leaves the OOM score alone and keeps network namespaces under its state', () => {
    const toml = cfg.containerdConfig(l);
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    expect(toml).toContain(`sandbox_image = "${cfg.PAUSE_IMAGE}"`);
    expect(toml).toContain(`address = "${l.containerdSocket}"`);
    expect(toml).toContain('SystemdCgroup = false');
  });

  it("the bridge makes the node every pod's gateway, with hairpin, addresses from the pod subnet", () => {
    const conf = JSON.parse(cfg.cniConfig(l)) as { plugins: Record<string, any>[] };
    const [bridge] = conf.plugins;
    expect(bridge).toMatchObject({
      type: 'bridge',
      bridge: cfg.BRIDGE,
      isGateway: true,
      isDefaultGateway: true,
      hairpinMode: true,
    });
    expect(bridge.ipam).toEqual({
      type: 'host-local',
      dataDir: l.cniIpam,
      ranges: [[{ subnet: cfg.POD_SUBNET, gateway: cfg.NODE_IP }]],
    });
  });

  it('the kubelet runs on cgroupfs with OOM score 0, webhook auth, and the cluster DNS address', () => {
    const k = parseAllDocuments(cfg.kubeletConfig(l))[0].toJS() as Record<string, any>;
    expect(k).toMatchObject({
      cgroupDriver: 'cgroupfs',
      oomScoreAdj: 0,
      readOnlyPort: 0,
      address: cfg.NODE_IP,
    });
    expect(k.authentication).toEqual({
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: `${l.pki}/ca.crt` },
    });
    expect(k.authorization).toEqual({ mode: 'Webhook' });
    expect(k.clusterDNS).toEqual([cfg.DNS_SERVICE_IP]);
    // Every hard-eviction signal is set: naming one alone drops the other defaults to zero.
    expect(Object.keys(k.evictionHard).sort()).toEqual([
      'imagefs.available',
      'memory.available',
      'nodefs.available',
      'nodefs.inodesFree',
    ]);
  });

  it('kube-proxy uses iptables and its own identity, and leaves the host-wide conntrack sysctls alone', () => {
    const p = parseAllDocuments(cfg.kubeProxyConfig(l))[0].toJS() as Record<string, any>;
    expect(p.mode).toBe('iptables');
    expect(p.clientConnection.kubeconfig).toBe(l.kubeProxyKubeconfig);
    expect(p.conntrack).toEqual({
      maxPerCore: 0,
      min: 0,
      tcpEstablishedTimeout: '0s',
      tcpCloseWaitTimeout: '0s',
    });
  });
});
